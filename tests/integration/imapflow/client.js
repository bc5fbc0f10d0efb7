// A mail client's session with imapflow, driven by tests/integration/test_imap_clients.py.
// Usage: node client.js <port> <user> <password> <file with the message to append>
// Logs in over implicit TLS, lists the folders, creates a Japanese folder, selects INBOX,
// fetches envelope/bodyStructure/source/flags of every message, searches, appends, sets
// flags, moves a message, and prints one JSON object with what it saw (sources in base64) for
// the Python side to check against the server's Maildir and Python's imaplib.
'use strict';
const fs = require('fs');
const { ImapFlow } = require('imapflow');

async function main() {
    const [port, user, pass, appendFile] = process.argv.slice(2);
    const out = { steps: [] };
    const client = new ImapFlow({
        host: '127.0.0.1',
        port: Number(port),
        secure: true,
        auth: { user, pass },
        tls: { rejectUnauthorized: false },
        logger: false,
        emitLogs: false
    });
    client.on('error', err => {
        out.error = String(err);
    });
    await client.connect();
    out.steps.push('connect');
    out.capabilities = [...client.capabilities.keys()];

    const created = await client.mailboxCreate('プロジェクト');
    out.created = created.path;
    const list = await client.list();
    out.list = list.map(m => ({ path: m.path, specialUse: m.specialUse || null, delimiter: m.delimiter }));
    out.steps.push('list');

    const box = await client.mailboxOpen('INBOX');
    out.select = { exists: box.exists, uidValidity: String(box.uidValidity), uidNext: box.uidNext };
    out.steps.push('select');

    out.messages = [];
    for await (const msg of client.fetch('1:*', {
        uid: true,
        flags: true,
        size: true,
        envelope: true,
        bodyStructure: true,
        source: true
    })) {
        const env = msg.envelope;
        out.messages.push({
            seq: msg.seq,
            uid: msg.uid,
            size: msg.size,
            flags: [...msg.flags].sort(),
            subject: env.subject,
            from: (env.from || []).map(a => a.address),
            fromName: (env.from || []).map(a => a.name),
            to: (env.to || []).map(a => a.address),
            messageId: env.messageId,
            date: env.date ? env.date.toISOString() : null,
            structure: summarize(msg.bodyStructure),
            source: msg.source.toString('base64')
        });
    }
    out.steps.push('fetch');

    // A part by its number, decoded by imapflow (base64 / charset).
    const withAttachment = out.messages.find(m => m.structure.type === 'multipart/mixed');
    if (withAttachment) {
        const { meta, content } = await client.download(String(withAttachment.uid), '2', { uid: true });
        const chunks = [];
        for await (const c of content) chunks.push(c);
        out.download = { uid: withAttachment.uid, contentType: meta.contentType, filename: meta.filename || null,
                         base64: Buffer.concat(chunks).toString('base64') };
    }

    out.searchSubject = await client.search({ subject: 'kiwi' }, { uid: true });
    out.searchJapanese = await client.search({ subject: '会議' }, { uid: true });
    out.searchFrom = await client.search({ from: 'reports@example.org' }, { uid: true });
    out.searchCc = await client.search({ cc: 'carol@example.net' }, { uid: true });
    out.searchUnseen = await client.search({ seen: false }, { uid: true });
    out.steps.push('search');

    const appended = await client.append('INBOX', fs.readFileSync(appendFile), ['\\Seen', '$Label1'],
                                         new Date('2024-02-03T04:05:06Z'));
    out.append = { uid: appended.uid, uidValidity: String(appended.uidValidity), path: appended.destination };
    out.steps.push('append');

    const first = out.messages[0].uid;
    await client.messageFlagsAdd(String(first), ['\\Flagged', '\\Answered'], { uid: true });
    await client.messageFlagsRemove(String(appended.uid), ['$Label1'], { uid: true });
    const after = [];
    for await (const msg of client.fetch(`${first},${appended.uid}`, { uid: true, flags: true }, { uid: true })) {
        after.push({ uid: msg.uid, flags: [...msg.flags].sort() });
    }
    out.flagsAfter = after;
    out.steps.push('store');

    const second = out.messages[1].uid;
    const moved = await client.messageMove(String(second), 'プロジェクト', { uid: true });
    out.move = { destination: moved.destination,
                 uidMap: moved.uidMap ? [...moved.uidMap.entries()] : null };
    const status = await client.status('プロジェクト', { messages: true, uidNext: true });
    out.statusAfterMove = { messages: status.messages, uidNext: status.uidNext };
    const inbox = await client.status('INBOX', { messages: true });
    out.inboxAfterMove = inbox.messages;
    out.steps.push('move');

    // IDLE: another connection delivers a message; the idling client must hear of it.
    const heard = new Promise(resolve => client.on('exists', data => resolve(data)));
    const idling = client.idle();
    await new Promise(r => setTimeout(r, 300));
    const other = new ImapFlow({ host: '127.0.0.1', port: Number(port), secure: true, auth: { user, pass },
                                 tls: { rejectUnauthorized: false }, logger: false });
    await other.connect();
    await other.append('INBOX', fs.readFileSync(appendFile));
    await other.logout();
    const timeout = new Promise(r => setTimeout(() => r(null), 15000));
    const ev = await Promise.race([heard, timeout]);
    out.idle = ev ? { path: ev.path, count: ev.count, prevCount: ev.prevCount } : null;
    out.steps.push('idle');

    await client.logout();
    await idling.catch(() => {});
    out.steps.push('logout');
    process.stdout.write(JSON.stringify(out) + '\n');
}

function summarize(node) {
    const s = { type: node.type, part: node.part || null };
    if (node.parameters && node.parameters.charset) s.charset = node.parameters.charset.toLowerCase();
    if (node.encoding) s.encoding = node.encoding;
    if (node.size !== undefined) s.size = node.size;
    if (node.dispositionParameters && node.dispositionParameters.filename) {
        s.filename = node.dispositionParameters.filename;
    }
    if (node.childNodes) s.children = node.childNodes.map(summarize);
    return s;
}

main().catch(err => {
    process.stderr.write('imapflow client failed: ' + (err && err.stack ? err.stack : err) +
                         (err && err.responseText ? '\nserver: ' + err.responseText : '') + '\n');
    process.exit(1);
});
