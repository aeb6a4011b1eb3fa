/**
 * The second client of scenario 6: the first one was killed mid-upload, so this one retries
 * the very files it left: every frame of the series not on any server (encoded exactly as
 * `ClusterBackend` encodes it, so the bytes are the same), the big file if it is absent, then
 * final_metadata.json and events.json (the completion marker) behind the Streamer's barrier.
 * Write-once holds: nothing it sends may meet a partial file left by the first client.
 *
 *   node --import=@tapjs/typescript/import test/faults/resume-main.ts '<ResumeConfig json>'
 */
import { Cluster } from '../../lib/cluster/cluster.js'
import { joinClusterPath } from '../../lib/internal/cluster-path.js'
import { encodePzf } from '../../lib/pzf/encode-pzf.js'
import { EventLog } from '../../lib/internal/event-log.js'
import { MetaDataHandler } from '../../lib/series/metadata-handler.js'
import { EVENTS_FILE, FINAL_METADATA_FILE, frameFileName, METADATA_FILE } from '../../lib/internal/series-layout.js'
import { Streamer } from '../../lib/streamer/streamer.js'
import type { ClientResult, ResumeConfig } from './fault-config.js'
import { backendEncodeOptions, bigFileBytes, faultFrame } from './fault-frames.js'
import { ClientMeter, emit, readConfig, reportOf, summariseStream, wireError, writeResult } from './client-io.js'

const cfg = readConfig<ResumeConfig>()
const meter = new ClientMeter()
emit({ type: 'start', pid: process.pid })

const cluster = await Cluster.connect({ servers: cfg.servers, registry: false, mdns: false, env: {}, minServers: cfg.servers.length })
const listing = await cluster.listDirectory(cfg.series, { fresh: true, strict: true })
const present = new Set(listing.entries.map((e) => e.name))
const metadata = MetaDataHandler.parse((await cluster.getFile(joinClusterPath(cfg.series, METADATA_FILE))).toString('utf8'))
const bigPresent = cfg.bigFile === undefined || await cluster.exists(cfg.bigFile.path)
await cluster.close()

const streamer = new Streamer({
  servers: cfg.servers,
  distribution: 'chunked',
  ackTimeoutMs: cfg.ackTimeoutMs,
  backoff: { minMs: 50, maxMs: 1000 }
})
const put = async (path: string, data: Uint8Array, index?: number): Promise<void> => {
  if (!streamer.put(path, data, index === undefined ? undefined : { index })) await streamer.ready()
}
let sent = 0
for (let n = 0; n < cfg.frames; n++) {
  const name = frameFileName(n)
  if (present.has(name)) continue
  await put(joinClusterPath(cfg.series, name), encodePzf(faultFrame(cfg, n), backendEncodeOptions(cfg, n)), n)
  if (sent++ === 0) meter.warm()
}
if (cfg.bigFile !== undefined && !bigPresent) await put(cfg.bigFile.path, bigFileBytes(cfg.bigFile.seed, cfg.bigFile.bytes))
meter.heap.sample()
metadata.setInt('pyme-cluster.FrameCount', cfg.frames)
metadata.setInt('pyme-cluster.FramesStored', cfg.frames)
metadata.set('pyme-cluster.ResumedBy', 'fault-suite resume client')
const events = new EventLog()
events.log('StartAq', String(cfg.frames))
let complete = true
try {
  await streamer.putAfterAll(joinClusterPath(cfg.series, FINAL_METADATA_FILE), Buffer.from(metadata.stringify()))
  await streamer.putAfterAll(joinClusterPath(cfg.series, EVENTS_FILE), Buffer.from(events.stringify()))
} catch {
  complete = false
}
const report = await reportOf(streamer.close())
const result: ClientResult = {
  discovery: 'static',
  framesAccepted: sent,
  framesStored: sent - report.failed.filter((f) => f.path.endsWith('.pzf')).length,
  complete,
  files: report.files,
  bytes: report.bytes,
  failed: report.failed.map((f) => ({ name: f.path, error: wireError(f.error) })),
  stream: summariseStream(report),
  nodeEvents: [],
  peakPending: 0,
  pixelWindow: 0,
  ...meter.fields(streamer),
  alreadyPresent: cfg.frames - sent,
  bigFileSent: !bigPresent
}
writeResult(cfg.out, result)
emit({ type: 'done' })
