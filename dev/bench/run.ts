/**
 * `npm run bench`: requests per operation, webhook CPU cost, batch concurrency and bundle load.
 * Prints a table and writes bench-results.json at the repo root. Targets are request counts only (deterministic);
 * timings are informational, reported as a median with its spread. Exits non-zero only when the bench itself fails; a
 * missed target is reported, not fatal.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { measureBatch, type BatchResult } from './batch'
import { measureBundle, type BundleResult } from './bundle'
import { watchRetiredCalls } from '../hubspot-emulator'
import { startHarness } from './harness'
import { startMediaServer } from './media-server'
import { measureRequests, type OperationResult } from './requests'
import { describeSpread, msSince, round } from './stats'
import { renderTable, verdict } from './table'
import { measureWebhookCpu, type CpuResult } from './webhook-cpu'

const ROOT = path.resolve(__dirname, '..', '..')
const OUTPUT = path.join(ROOT, 'bench-results.json')

type TargetRow = { name: string; value: string; target: string; pass: boolean }

const partRequests = async (): Promise<OperationResult[]> => {
  const media = await startMediaServer()
  const h = await startHarness()
  try {
    const results = await measureRequests(h, media)
    if (h.receiver.errors.length) throw new Error(`the webhook handler threw: ${String(h.receiver.errors[0])}`)
    return results
  } finally {
    await h.close()
    await media.close()
  }
}

const hubspotCell = (r: OperationResult): string => {
  const receipts = r.receipts ? ` +${r.receipts.count} receipt` : ''
  const media = r.mediaDownloads ? ` (+${r.mediaDownloads} media GET)` : ''
  return `${r.hubspot.count}${receipts}${media}`
}
const botpressCell = (r: OperationResult): string => `${r.botpress.count}${r.followUp ? ` (+${r.followUp.count} by webhook)` : ''}`

const printRequests = (ops: OperationResult[]): void => {
  console.log('\n1. Requests per operation  (HubSpot: emulator request log; Botpress: FakeBotpress.calls, ack included)\n')
  const rows = ops.map((r) => [r.label, hubspotCell(r), botpressCell(r), r.target?.text ?? '', r.target ? verdict(r.target.pass) : ''])
  console.log(renderTable(['Operation', 'HubSpot', 'Botpress', 'Target', ''], rows))
  const detail = ops.filter((r) => r.warnings?.length)
  for (const r of detail) for (const w of r.warnings ?? []) console.log(`  ! ${r.id}: ${w}`)
  if (process.argv.includes('--verbose')) {
    for (const r of ops) {
      console.log(`\n  ${r.label}${r.note ? `  [${r.note}]` : ''}`)
      for (const q of [...r.hubspot.requests, ...(r.receipts?.requests ?? [])]) console.log(`    HS  ${q}`)
      for (const q of r.botpress.requests) console.log(`    BP  ${q}`)
      for (const q of r.followUp?.requests ?? []) console.log(`    BP  ${q}   (webhook)`)
    }
  }
}

const printCpu = (cpu: CpuResult[]): void => {
  console.log('\n2. In-process cost per verified webhook event  (10,000 signed events each, process.hrtime.bigint)\n')
  const steps = (c: CpuResult) =>
    c.stepsMedianUs ? `${c.stepsMedianUs.verify} / ${c.stepsMedianUs.jsonParse} / ${c.stepsMedianUs.parseWebhookPayload} µs` : ''
  const rows = cpu.map((c) => [c.label, `${c.bodyBytes} B`, `${c.medianUs} µs`, `${c.p99Us} µs`, `${c.meanUs} µs`, steps(c)])
  console.log(renderTable(['Path', 'Body', 'Median', 'p99', 'Mean', 'verify / JSON.parse / schema (medians)'], rows))
}

const printBatch = (b: BatchResult): void => {
  console.log(
    `\n3. Webhook batch of ${b.batchSize} events on ${b.batchSize} threads vs 1 event  (HubSpot latency ${b.latencyMs} ms, concurrency ${b.concurrency})\n`
  )
  const rows = b.scenarios.map((s) => [
    s.label,
    `${s.hubspotRequestsPerEvent} / ${s.botpressRequestsPerEvent}`,
    `${s.target.text}  ${verdict(s.target.pass)}`,
  ])
  console.log(renderTable(['Scenario (100 assignments)', 'HS/BP per event', 'Target (request counts)'], rows))
  console.log('\n   Timings (informational: a busy machine moves them; the median trial and its spread are what to read)\n')
  const timings = b.scenarios.map((s) => [
    s.label,
    `${s.singleMs.median} ms`,
    `${s.batchMs.median} ms`,
    describeSpread(s.ratio, '×'),
    s.expectedRatio,
  ])
  console.log(renderTable(['Scenario', 'Single (median)', 'Batch (median)', 'Ratio batch ÷ single, median trial (spread)', 'Usually'], timings))
}

const printBundle = (b: BundleResult): void => {
  console.log('\n4. Bundle\n')
  console.log(
    renderTable(
      ['File', 'Size', 'require() median of 5', 'process median of 5'],
      [[b.path, `${b.bytes} B (${(b.bytes / 1024).toFixed(0)} KiB)`, `${b.requireMs.median} ms`, `${b.processMs.median} ms`]]
    )
  )
}

/** Every emulator of the run has the sunset switch on: no request may go to a retired v1–v3 path (sunset.ts). */
const retiredCallsRow = (retired: string[]): TargetRow => ({
  name: 'HubSpot calls on v1–v3 paths (whole run)',
  value: retired.length ? `${retired.length}: ${[...new Set(retired)].join(', ')}` : '0',
  target: '0',
  pass: retired.length === 0,
})

const collectTargets = (ops: OperationResult[], batch: BatchResult, retired: string[]): TargetRow[] => {
  const rows: TargetRow[] = [retiredCallsRow(retired)]
  for (const r of ops) {
    if (!r.target) continue
    const value = `HS ${r.hubspot.count}${r.receipts ? ` (+${r.receipts.count} receipt)` : ''}, BP ${r.botpress.count}`
    rows.push({ name: r.label, value, target: r.target.text, pass: r.target.pass })
  }
  for (const s of batch.scenarios)
    rows.push({ name: `batch of ${batch.batchSize}: ${s.label}`, value: s.target.measured, target: s.target.text, pass: s.target.pass })
  return rows
}

const main = async (): Promise<void> => {
  const started = process.hrtime.bigint()
  console.log(`HubSpot HITL bench — node ${process.version}, ${os.platform()} ${os.arch()}, ${os.cpus().length} CPU`)
  const retiredWatch = watchRetiredCalls()

  const operations = await partRequests()
  printRequests(operations)
  const webhookCpu = await measureWebhookCpu()
  printCpu(webhookCpu)
  const batch = await measureBatch()
  printBatch(batch)
  const bundle = await measureBundle(ROOT)
  printBundle(bundle)

  const retired = retiredWatch.take().map((r) => `${r.method} ${r.path}`)
  const targets = collectTargets(operations, batch, retired)
  console.log('\nTargets\n')
  console.log(
    renderTable(
      ['Target', 'Measured', 'Wanted', ''],
      targets.map((t) => [t.name, t.value, t.target, verdict(t.pass)])
    )
  )

  const totalMs = round(msSince(started), 0)
  const results = {
    schema: 'hubspot-hitl-bench/1',
    generatedAt: new Date().toISOString(),
    environment: { node: process.version, platform: os.platform(), arch: os.arch(), cpus: os.cpus().length },
    operations,
    webhookCpu,
    batch,
    bundle,
    targets,
    totalMs,
  }
  fs.writeFileSync(OUTPUT, `${JSON.stringify(results, null, 2)}\n`)
  console.log(
    `\n${targets.filter((t) => t.pass).length}/${targets.length} targets met; wrote ${path.relative(ROOT, OUTPUT)} in ${(totalMs / 1000).toFixed(1)} s`
  )
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    process.exit(1)
  }
)
