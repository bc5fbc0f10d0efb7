// imapflow resynchronising a mailbox with CONDSTORE/QRESYNC, driven by
// tests/integration/test_imap_condstore.py.
// Usage: node condstore.js <port> <user> <password> first
//        node condstore.js <port> <user> <password> again '{"uidValidity":..,"highestModseq":..}'
// "first" opens INBOX and prints what it learnt (enabled extensions, UIDVALIDITY,
// HIGHESTMODSEQ). "again" opens INBOX with SELECT (QRESYNC (uidvalidity modseq)) and prints
// the UIDs reported vanished and the messages whose flags changed since, as imapflow saw them.
'use strict';
const { ImapFlow } = require('imapflow');

async function main() {
    const [port, user, pass, step, arg] = process.argv.slice(2);
    const client = new ImapFlow({
        host: '127.0.0.1',
        port: Number(port),
        secure: true,
        auth: { user, pass },
        tls: { rejectUnauthorized: false },
        logger: false,
        qresync: true
    });
    const out = { vanished: [], changed: [] };
    client.on('expunge', e => {
        if (e.vanished) out.vanished.push(e.uid);
    });
    client.on('flags', f => {
        out.changed.push({ uid: f.uid, flags: [...f.flags], modseq: String(f.modseq) });
    });
    await client.connect();
    out.enabled = [...client.enabled];
    let box;
    if (step === 'again') {
        const known = JSON.parse(arg);
        box = await client.mailboxOpen('INBOX', {
            uidValidity: BigInt(known.uidValidity),
            changedSince: BigInt(known.highestModseq)
        });
    } else {
        box = await client.mailboxOpen('INBOX');
    }
    out.uidValidity = String(box.uidValidity);
    out.highestModseq = String(box.highestModseq);
    out.qresync = Boolean(box.qresync);
    await client.logout();
    process.stdout.write(JSON.stringify(out));
}

main().catch(err => {
    process.stderr.write(String(err && err.stack || err));
    process.exit(1);
});
