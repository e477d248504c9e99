/**
 * Fixture for engines.test.ts: calls useNats()/useTemporal() twice in one process (as two test files'
 * worth of callers would) and prints what they returned as one JSON line, then exits normally.
 */
import { useNats, useTemporal } from '../engines.ts';

const which = process.argv[2];
const use = which === 'temporal' ? useTemporal : useNats;
const [first, second] = [await use(), await use()];
process.stdout.write(`${JSON.stringify({ first, second })}\n`);
