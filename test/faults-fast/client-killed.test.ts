import t from 'tap'
import { scenarios } from '../faults/scenarios.js'
import { fastScenario } from '../faults/fast-scenario.js'

t.test('fault suite, scenario 6: a client SIGKILLed mid-upload, the next one retries', (t) => fastScenario(t, scenarios[5]!))
