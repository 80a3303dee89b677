// Bluesky's reference network for Murmur's adapter tests: PLC + PDS + AppView (+ the moderation
// service the PDS forwards reports to), all from @atproto/dev-env's TestNetwork, on loopback ports
// the dev-env picks itself so that several test runs never collide.
//
// Environment: MURMUR_NODE_MODULES (where `npm ci` put the packages), DB_POSTGRES_URL (required), DB_POSTGRES_SCHEMA (letters and "_" only),
// REDIS_HOST (must be set; nothing connects to it), TMPDIR for the PDS's blobs and sqlite files.
//
// Prints one JSON line {"ready": true, "pds": ..., "ctrl": ...} once everything listens. The
// control server (127.0.0.1 only) exists because tests need two things a client cannot do:
//   POST /process-all     wait until the AppView has indexed everything the PDS emitted
//   POST /expire-token    body: an access JWT; answers the same token re-signed with an expiry in
//                         the past, so the PDS answers ExpiredToken exactly as after two hours
//   GET  /ozone           the moderation service (Ozone): {"url", "did"}
//   POST /ozone/reports   the reports Ozone received, read back through its moderator API
//                         (tools.ozone.moderation.queryEvents), newest first
//   POST /ozone/label     body {"uri", "cid"} (a post) or {"did"} (an account), "val", "neg":
//                         Ozone's moderator applies (or negates) the label with emitEvent's
//                         modEventLabel; the labels Ozone then publishes for the subject
//                         (com.atproto.label.queryLabels) are handed to the AppView, which in
//                         production follows the labeler's subscribeLabels stream but in the
//                         dev-env has no label subscriber of its own
// SIGTERM or SIGINT closes every service and exits.
'use strict'
const http = require('node:http')
const path = require('node:path')
const { createRequire } = require('node:module')

// The packages live where the test set-up installed them (a cache shared by every checkout).
const modules = process.env.MURMUR_NODE_MODULES || path.join(__dirname, 'node_modules')
const requireFromModules = createRequire(path.join(modules, 'resolve-from-here.js'))
const { TestNetwork } = requireFromModules('@atproto/dev-env')
const jose = requireFromModules('jose')

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

async function expiredCopy(network, token) {
  const key = network.pds.jwtSecretKey()
  const { payload, protectedHeader } = await jose.jwtVerify(token.trim(), key)
  const now = Math.floor(Date.now() / 1000)
  return new jose.SignJWT({ ...payload, iat: now - 7200, exp: now - 60 })
    .setProtectedHeader(protectedHeader)
    .sign(key)
}

async function ozoneReports(network) {
  const mod = network.ozone.getModClient()
  const { events } = await mod.queryEvents({
    types: ['tools.ozone.moderation.defs#modEventReport'],
    limit: 100,
  })
  return events.map((e) => ({
    id: e.id,
    subject: e.subject,
    reportType: e.event.reportType,
    comment: e.event.comment ?? '',
    createdBy: e.createdBy,
  }))
}

async function ozoneLabel(network, body) {
  const { uri, cid, did, val, neg } = body
  if (typeof val !== 'string' || !val) throw new Error('val is required')
  const subject = uri
    ? { $type: 'com.atproto.repo.strongRef', uri, cid }
    : { $type: 'com.atproto.admin.defs#repoRef', did }
  const mod = network.ozone.getModClient()
  await mod.emitEvent({
    event: {
      $type: 'tools.ozone.moderation.defs#modEventLabel',
      createLabelVals: neg ? [] : [val],
      negateLabelVals: neg ? [val] : [],
    },
    subject,
    createdBy: network.ozone.moderatorAccnt.did,
  })
  await network.ozone.processAll()
  // What Ozone publishes, read as any label consumer would.
  const { data } = await network.ozone.getClient().com.atproto.label.queryLabels({
    uriPatterns: [uri || did],
    sources: [network.ozone.ctx.cfg.service.did],
  })
  const rows = data.labels
    .filter((l) => l.val === val)
    .map((l) => ({
      src: l.src,
      uri: l.uri,
      cid: l.cid ?? '',
      val: l.val,
      neg: l.neg === true,
      cts: l.cts,
      exp: l.exp ?? null,
    }))
  if (!rows.length) throw new Error(`Ozone published no ${val} label for ${uri || did}`)
  const db = network.bsky.db.db
  for (const row of rows) {
    await db.deleteFrom('label')
      .where('src', '=', row.src).where('uri', '=', row.uri).where('val', '=', row.val)
      .execute()
    if (!row.neg) await db.insertInto('label').values(row).execute()
  }
  return rows
}

async function main() {
  const schema = process.env.DB_POSTGRES_SCHEMA
  if (!schema || !/^[A-Za-z_]+$/.test(schema)) {
    throw new Error('DB_POSTGRES_SCHEMA must be letters and "_" only')
  }
  const started = Date.now()
  const network = await TestNetwork.create({
    dbPostgresUrl: process.env.DB_POSTGRES_URL,
    dbPostgresSchema: schema,
    pds: { hostname: 'localhost' },
  })

  const ctrl = http.createServer(async (req, res) => {
    res.setHeader('content-type', 'application/json')
    try {
      if (req.method === 'POST' && req.url === '/process-all') {
        await network.processAll(10000)
        res.end('{"ok":true}')
      } else if (req.method === 'POST' && req.url === '/expire-token') {
        const token = await expiredCopy(network, await readBody(req))
        res.end(JSON.stringify({ token }))
      } else if (req.method === 'GET' && req.url === '/ozone') {
        res.end(JSON.stringify({ url: network.ozone.url, did: network.ozone.ctx.cfg.service.did }))
      } else if (req.method === 'POST' && req.url === '/ozone/reports') {
        res.end(JSON.stringify({ reports: await ozoneReports(network) }))
      } else if (req.method === 'POST' && req.url === '/ozone/label') {
        const labels = await ozoneLabel(network, JSON.parse(await readBody(req)))
        res.end(JSON.stringify({ labels }))
      } else {
        res.statusCode = 404
        res.end('{"error":"NotFound"}')
      }
    } catch (err) {
      res.statusCode = 500
      res.end(JSON.stringify({ error: String(err) }))
    }
  })
  await new Promise((resolve) => ctrl.listen(0, '127.0.0.1', resolve))

  let closing = false
  const shutdown = async () => {
    if (closing) return
    closing = true
    ctrl.close()
    try {
      await network.close()
    } finally {
      process.exit(0)
    }
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
  // The test runner holds our stdin: when it goes away without signalling, so do we.
  process.stdin.on('end', shutdown)
  process.stdin.resume()

  console.log(JSON.stringify({
    ready: true,
    startup_ms: Date.now() - started,
    pds: network.pds.url,
    appview: network.bsky.url,
    appview_did: network.bsky.ctx.cfg.serverDid,
    plc: network.plc.url,
    mod_did: network.ozone.ctx.cfg.service.did,
    ctrl: `http://127.0.0.1:${ctrl.address().port}`,
  }))
}

main().catch((err) => {
  console.error('network start failed:', err)
  process.exit(1)
})
