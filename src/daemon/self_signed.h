// A self-signed certificate for a first start without one (`tls.self_signed_if_missing`).
//
// ensure_self_signed_certificate() creates an EC P-256 key and a certificate valid for 825
// days, CN = hostname, subjectAltName = hostname (DNS, or IP when it is an IP literal),
// localhost, 127.0.0.1, ::1; extendedKeyUsage serverAuth. Missing parent directories are
// created. The key is written with mode 0600 and the certificate 0644, each as temp file +
// fsync + rename + fsync of the directory, so a crash never leaves half a PEM behind.
//   - both files exist: nothing is done; returns false;
//   - both missing: creates them; returns true;
//   - only one exists: kInvalidArgument (never overwrite an admin's key or certificate);
//   - write failures: the from_errno() code with the path.
// Any thread (uses OpenSSL only).
#pragma once

#include <string>

#include "maildir/status.h"

namespace tegami::daemon {

maildir::Result<bool> ensure_self_signed_certificate(const std::string& cert_file,
                                                     const std::string& key_file,
                                                     const std::string& hostname);

}  // namespace tegami::daemon
