/**
 * The gear catalogue: every gear type the product ships, one descriptor each. `rig check`, scenario
 * validation, the mixer and the rack all read this list (STYLE §2). Add one import and one entry per gear.
 */
import type { GearDescriptor } from '../pkg/gear/descriptor.ts';
import { descriptor as file } from './file/index.ts';
import { descriptor as filter } from './filter/index.ts';
import { descriptor as generator } from './generator/index.ts';
import { descriptor as httpIn } from './http-in/index.ts';
import { descriptor as httpOut } from './http-out/index.ts';
import { descriptor as iso8583Build } from './iso8583-build/index.ts';
import { descriptor as iso8583Client } from './iso8583-client/index.ts';
import { descriptor as iso8583IssuerSim } from './iso8583-issuer-sim/index.ts';
import { descriptor as iso8583Parse } from './iso8583-parse/index.ts';
import { descriptor as iso8583Server } from './iso8583-server/index.ts';
import { descriptor as log } from './log/index.ts';
import { descriptor as router } from './router/index.ts';
import { descriptor as transform } from './transform/index.ts';

export const gearCatalogue: GearDescriptor[] = [
  file,
  filter,
  generator,
  httpIn,
  httpOut,
  iso8583Build,
  iso8583Client,
  iso8583IssuerSim,
  iso8583Parse,
  iso8583Server,
  log,
  router,
  transform,
];
