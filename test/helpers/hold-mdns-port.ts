/**
 * Preload for fixtures run inside a test network namespace (`node --import` this file):
 * binds UDP port 5353 without SO_REUSEADDR, as a foreign mDNS responder might, so that
 * multicast-dns in the same namespace cannot bind it. The socket lives as long as the
 * process and keeps nothing alive. Never load it outside a namespace the test created.
 */
import { createSocket } from 'node:dgram'
import { once } from 'node:events'

const holder = createSocket({ type: 'udp4', reuseAddr: false })
holder.bind(5353, '0.0.0.0')
await once(holder, 'listening')
holder.unref()
