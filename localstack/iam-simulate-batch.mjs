// The independent simulator side of localstack/bench-simulate-compare.sh: reads a `simulate --requests`
// batch (one JSON request a line) and decides each line with @cloud-copilot/iam-simulate, one JSON line
// out per line in (`{"decision": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "error"}`).
// Mapping: identity policies as identity policies, `boundary` as the permissions boundary,
// `resource_policy` as the resource policy, `context` as context variables; the resource's account is
// the ARN's, else the caller's (as pydynox-iam's simulate assumes when `aws:ResourceAccount` is not given).
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const lines = createInterface({ input: createReadStream(process.argv[2]), crlfDelay: Infinity })
const out = []
const flush = () => {
  process.stdout.write(out.join('\n') + '\n')
  out.length = 0
}
for await (const line of lines) {
  let req
  try {
    req = JSON.parse(line)
  } catch {
    out.push(JSON.stringify({ decision: 'error', error: 'malformed line' }))
    continue
  }
  const callerAccount = String(req.principal).split(':')[4] || ''
  const simulation = {
    request: {
      principal: req.principal,
      action: req.action,
      resource: { resource: req.resource, accountId: String(req.resource).split(':')[4] || callerAccount },
      contextVariables: req.context || {},
    },
    identityPolicies: (req.identity_policies || []).map((p) => ({ name: p.name, policy: p.document })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  }
  if (req.boundary) simulation.permissionBoundaryPolicies = [{ name: 'boundary', policy: req.boundary }]
  if (req.resource_policy) simulation.resourcePolicy = req.resource_policy
  const r = await runSimulation(simulation, {})
  out.push(JSON.stringify(r.resultType === 'error' ? { decision: 'error', error: r.errors } : { decision: r.overallResult }))
  if (out.length >= 1000) flush()
}
if (out.length) flush()
