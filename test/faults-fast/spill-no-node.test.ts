import t from 'tap'
import { scenarios } from '../faults/scenarios.js'
import { fastScenario } from '../faults/fast-scenario.js'

t.test("fault suite, scenario 5: every node gone with overflow 'spill', journal replayed", (t) => fastScenario(t, scenarios[4]!))
