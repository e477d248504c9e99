/**
 * The registry of command groups. Each group module exports `register(program)`; add one line here when
 * a group works end to end. Order is the order `rig help` lists them.
 */
import type { Command } from 'commander';
import { register as registerCheck } from './check.ts';
import { register as registerData } from './data.ts';
import { register as registerFlow } from './flow.ts';
import { register as registerInspect } from './inspect.ts';
import { register as registerInspectCluster } from './inspect-cluster.ts';
import { register as registerIso8583 } from './iso8583.ts';
import { register as registerLogs } from './logs.ts';
import { register as registerRack } from './rack.ts';
import { register as registerScenario } from './scenario.ts';
import { register as registerRun } from './run.ts';
import { register as registerSim } from './sim.ts';

export type RegisterCommands = (program: Command) => void;

export const commandGroups: RegisterCommands[] = [registerCheck, registerData, registerFlow, registerInspect, registerInspectCluster, registerIso8583, registerLogs, registerRack, registerRun, registerScenario, registerSim];
