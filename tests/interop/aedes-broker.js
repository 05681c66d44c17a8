#!/usr/bin/env node
// Throwaway aedes MQTT broker for mqkit's interop tests (scripts/test-interop.sh). Loopback only.
//
// usage: node aedes-broker.js PORT [--ws WSPORT [--ws-path PATH]] [--user NAME --password PASS] [--verbose]
//   PORT / WSPORT: 0 = let the OS pick a free port. The WebSocket listener
//   (MQTT over WebSocket, subprotocol "mqtt") is off unless --ws is given; it
//   takes any URL path unless --ws-path is given (then other paths get HTTP 404).
//   --user/--password: only that pair may connect (CONNACK 4 otherwise, as
//   aedes answers a failed authenticate with "bad user name or password");
//   without them any client (with or without credentials) is accepted.
// Prints "ready <port> <wsport>" (wsport "-" when no WebSocket listener) on
// stdout once both listeners are up; log lines (--verbose) go to stderr.
// Ends cleanly on SIGTERM/SIGINT, or when stdin closes if --stdin-exit is given.
// The aedes package is loaded from $AEDES_PREFIX/node_modules (test-interop.sh installs
// package-lock.json there with `npm ci`; default: the "aedes" folder beside this script).
'use strict'
// CommonJS on purpose (runs without a package.json beside it); aedes 1.x is
// ESM-only, so it is loaded with import().
const net = require('node:net')
const http = require('node:http')
const path = require('node:path')
const { pathToFileURL } = require('node:url')

const HOST = '127.0.0.1'
const here = __dirname
const prefix = process.env.AEDES_PREFIX || path.join(here, 'aedes')

function usage (msg) {
  if (msg) process.stderr.write(`aedes-broker: ${msg}\n`)
  process.stderr.write('usage: node aedes-broker.js PORT [--ws WSPORT [--ws-path PATH]] [--user NAME --password PASS] [--verbose] [--stdin-exit]\n')
  process.exit(2)
}

function parsePort (s) {
  if (!/^\d+$/.test(s || '') || Number(s) > 65535) usage(`bad port: ${s}`)
  return Number(s)
}

const args = process.argv.slice(2)
let port = null
let wsPort = null
let user = null
let password = null
let verbose = false
let stdinExit = false
let wsPath = null
for (let i = 0; i < args.length; i++) {
  const a = args[i]
  if (a === '--ws') wsPort = parsePort(args[++i])
  else if (a === '--user') user = args[++i] ?? usage('--user needs a value')
  else if (a === '--password') password = args[++i] ?? usage('--password needs a value')
  else if (a === '--ws-path') wsPath = args[++i] ?? usage('--ws-path needs a value')
  else if (a === '--verbose' || a === '-v') verbose = true
  else if (a === '--stdin-exit') stdinExit = true
  else if (a === '-h' || a === '--help') usage()
  else if (port === null) port = parsePort(a)
  else if (wsPort === null) wsPort = parsePort(a) // positional WSPORT also accepted
  else usage(`unexpected argument: ${a}`)
}
if (port === null) usage('PORT is required')
if ((user === null) !== (password === null)) usage('--user and --password go together')

const log = verbose ? (...m) => process.stderr.write(`aedes: ${m.join(' ')}\n`) : () => {}

async function main () {
  const { Aedes } = await import(pathToFileURL(path.join(prefix, 'node_modules', 'aedes', 'aedes.js')).href)
  const broker = await Aedes.createBroker()

  if (user !== null) {
    broker.authenticate = (client, username, pass, callback) => {
      const ok = username === user && pass !== undefined && pass !== null && pass.toString() === password
      if (ok) return callback(null, true)
      const err = new Error('bad user name or password')
      err.returnCode = 4
      callback(err, false)
    }
  }

  broker.on('client', (c) => log('client', c.id, 'v' + c.version))
  broker.on('clientDisconnect', (c) => log('disconnect', c.id))
  broker.on('clientError', (c, e) => log('clientError', c && c.id, e.message))
  broker.on('connectionError', (c, e) => log('connectionError', c && c.id, e.message))
  broker.on('publish', (p, c) => { if (c) log('publish', c.id, p.topic, 'q' + p.qos, p.retain ? 'r' : '') })
  broker.on('subscribe', (s, c) => log('subscribe', c && c.id, JSON.stringify(s)))

  function listen (server) {
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(server._wantPort, HOST, () => resolve(server.address().port))
    })
  }

  const servers = []
  const tcp = net.createServer(broker.handle)
  tcp._wantPort = port
  servers.push(tcp)
  let boundWs = '-'
  try {
    const bound = await listen(tcp)
    if (wsPort !== null) {
      const { WebSocketServer, createWebSocketStream } =
        await import(pathToFileURL(path.join(prefix, 'node_modules', 'ws', 'wrapper.mjs')).href)
      const httpServer = http.createServer((req, res) => { res.writeHead(404); res.end() })
      httpServer._wantPort = wsPort
      servers.push(httpServer)
      const wss = new WebSocketServer({
        server: httpServer,
        path: wsPath ?? undefined,
        // MQTT over WebSocket: echo "mqtt" (or the old "mqttv3.1") when offered
        handleProtocols: (protos) => protos.has('mqtt') ? 'mqtt' : (protos.has('mqttv3.1') ? 'mqttv3.1' : false)
      })
      wss.on('connection', (websocket, req) => {
        log('ws connection', req.url, websocket.protocol)
        broker.handle(createWebSocketStream(websocket), req)
      })
      boundWs = await listen(httpServer)
    }
    process.stdout.write(`ready ${bound} ${boundWs}\n`)
  } catch (e) {
    process.stderr.write(`aedes-broker: listen failed: ${e.message}\n`)
    process.exit(1)
  }

  let stopping = false
  function stop (why) {
    if (stopping) return
    stopping = true
    log('stopping:', why)
    for (const s of servers) s.close()
    broker.close(() => process.exit(0))
    setTimeout(() => process.exit(0), 2000).unref()
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  if (stdinExit) {
    process.stdin.on('end', () => stop('stdin closed'))
    process.stdin.resume()
  }
}

main().catch((e) => {
  process.stderr.write(`aedes-broker: ${e.stack || e}\n`)
  process.exit(1)
})
