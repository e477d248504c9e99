/** [mixer]: the REST control plane: where it listens, how clients reach it, its bearer token. */
import { z } from 'zod';
import { port, secret, text } from '../types.ts';

export const mixerSection = z
  .object({
    host: text('127.0.0.1', 'Listen address of the mixer REST API.'),
    port: port(7070, 'Listen port of the mixer REST API; 0 = a free port.'),
    url: z
      .string()
      .default('')
      .refine((value) => value === '' || /^https?:\/\/\S+$/.test(value), { message: 'expected "" or an http(s):// URL' })
      .meta({ description: 'URL the CLI uses to reach the mixer; "" = http://<host>:<port>.' }),
    api_token: secret('Bearer token required on every mutating REST call; "" = the mixer generates one at start-up.'),
  })
  .prefault({})
  .meta({ description: 'Mixer: the control plane (scenarios, racks, gear catalogue, REST API).' });
