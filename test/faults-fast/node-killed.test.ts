import t from 'tap'
import { scenarios } from '../faults/scenarios.js'
import { fastScenario } from '../faults/fast-scenario.js'

t.test('fault suite, scenario 1: a node SIGKILLed mid-series and restarted', (t) => fastScenario(t, scenarios[0]!))
