/**
 * The Node.js options `rig run` is deployed with: deploy/Containerfile and deploy/systemd set them in
 * NODE_OPTIONS, `make run` and bench/switch pass them too (test/build checks they all say the same).
 * They cannot be built into the executable: a Node 20 single executable carries no V8 flags of its own,
 * and V8 reads this one only when the heap is set up, so `v8.setFlagsFromString` comes too late.
 *
 * `--max-semi-space-size=64` (MB; V8's default on 64-bit is 16): under a busy switch, requests of the last
 * few hundred milliseconds are still alive when a young-generation collection runs, so with the default
 * size each collection copied ~0.6-0.8 MB and promoted ~90 % of what the one before had copied into the
 * old generation. With 64 MB, on the example switch (10 000 authorisations, --trace-gc-nvp): promoted
 * 1360 -> 127 B per authorisation, young-collection pauses 111 -> 32 ms. The young generation may then
 * take up to 3 x 64 MB under load (it grows only when allocation pressure asks for it).
 */
export const RIG_NODE_OPTIONS = ['--max-semi-space-size=64'] as const;

/** The flag's name (`--max-semi-space-size`) of an option like `--max-semi-space-size=64`. */
function flagName(option: string): string {
  return option.split('=')[0] as string;
}

/**
 * Which of RIG_NODE_OPTIONS this process runs without (neither on its command line nor in NODE_OPTIONS);
 * a value chosen differently by the operator counts as set.
 */
export function missingNodeOptions(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): string[] {
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].filter((option) => option.startsWith('--')).map(flagName);
  // V8 accepts both spellings of a flag.
  const normalised = new Set(given.map((name) => name.replaceAll('_', '-')));
  return RIG_NODE_OPTIONS.filter((option) => !normalised.has(flagName(option)));
}
