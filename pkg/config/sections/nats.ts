/** [nats]: the NATS JetStream connection, or the embedded nats-server `rig run` supervises. */
import { z } from 'zod';
import { port, secret, text } from '../types.ts';

const NATS_URL = /^(nats|tls|ws|wss):\/\/[^\s,]+$/;

export const natsSection = z
  .object({
    url: z
      .string()
      .default('')
      .refine((value) => value === '' || value.split(',').every((url) => NATS_URL.test(url.trim())), {
        message: 'expected "" (embedded) or nats://host:port URLs separated by commas (schemes nats, tls, ws, wss)',
      })
      .meta({ description: 'NATS server URL(s), comma-separated for a cluster; "" = start an embedded nats-server.' }),
    embedded_host: text('127.0.0.1', 'Listen address of the embedded nats-server.'),
    embedded_port: port(4222, 'Client port of the embedded nats-server; 0 = a free port.'),
    user: text('', 'User name for NATS authentication; "" = none.'),
    password: secret('Password for nats.user.'),
    token: secret('Token for NATS token authentication; "" = none.'),
    creds_file: text('', 'Path of a NATS .creds file (JWT + nkey seed); "" = none.'),
  })
  .prefault({})
  .meta({ description: 'NATS JetStream: the bus every message, control verb and telemetry batch travels on.' });
