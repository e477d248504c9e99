/**
 * A parent process for the orphan tests: starts nats-server with pkg/supervise in the data dir given as
 * argv[2], prints `{"pid":…,"watchdogPid":…}` on stdout, then idles until it is killed. It installs no
 * signal handlers on purpose: the default action of SIGTERM/SIGINT is what is being tested.
 */
import { startNats } from '../index.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: nats-parent.ts <dataDir>');
const handle = await startNats({ dataDir });
process.stdout.write(`${JSON.stringify({ pid: handle.pid, url: handle.url })}\n`);
setInterval(() => {}, 60_000);
