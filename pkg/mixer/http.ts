/**
 * The mixer's REST API on fastify: racks, scenarios (create/replace/delete, deploy, undeploy, status),
 * the gear catalogue, health and readiness, and the OpenAPI document at /openapi.json generated from the
 * same zod schemas that validate requests. Every mutating route needs `Authorization: Bearer <token>`.
 * Errors are `{ error: { code, message, where?, hint?, problems? } }` with a fitting status.
 */
import { timingSafeEqual } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isRigError, type RigError } from '../errors/index.ts';
import { scenarioSchema } from '../scenario/model.ts';
import type { MixerService } from './service.ts';

export interface MixerHttpOptions {
  service: MixerService;
  /** Bearer token required on mutating routes. */
  apiToken: string;
  version: string;
  /** pino-compatible logger, or false. */
  logger?: boolean | object;
}

const idParams = z.object({ id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'must be a scenario or rack id') });
const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    where: z.string().optional(),
    hint: z.string().optional(),
    problems: z.array(z.object({ where: z.string(), path: z.string(), message: z.string(), hint: z.string().optional() })).optional(),
  }),
});
const scenarioRecord = z.object({ id: z.string(), version: z.number(), deployed: z.boolean(), updatedAt: z.string(), scenario: scenarioSchema });
const rackRecord = z.object({
  id: z.string(),
  labels: z.record(z.string(), z.string()),
  gearTypes: z.array(z.string()),
  host: z.string(),
  pid: z.number(),
  version: z.string(),
  startedAt: z.string(),
  heartbeatAt: z.string(),
  heartbeatMs: z.number(),
  draining: z.boolean(),
  live: z.boolean(),
  scenarios: z.record(z.string(), z.object({ version: z.number(), gears: z.record(z.string(), z.object({ state: z.string(), error: z.string().optional() })) })),
});
const gearStatus = z.object({ gear: z.string(), type: z.string(), rack: z.string().optional(), state: z.string(), error: z.string().optional() });
const flowStatus = z.object({ flow: z.string(), rack: z.string().optional(), state: z.string(), error: z.string().optional() });
const scenarioStatus = z.object({ id: z.string(), version: z.number(), deployed: z.boolean(), state: z.string(), gears: z.array(gearStatus), flows: z.array(flowStatus) });
const secured = [{ bearer: [] }];

const STATUS_BY_CODE: Record<string, number> = {
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  SCENARIO_INVALID: 400,
  SCENARIO_ID_MISMATCH: 400,
  BODY_INVALID: 400,
  BUS_TIMEOUT: 504,
};

export async function createMixerHttp(options: MixerHttpOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 4 * 1024 * 1024 }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseYaml(body as string));
    } catch (error) {
      done(Object.assign(new Error(`body is not valid YAML: ${(error as Error).message}`), { statusCode: 400, code: 'BODY_INVALID' }), undefined);
    }
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'fluxrig mixer', version: options.version, description: 'Control plane: racks, scenarios, gear catalogue' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  app.setErrorHandler((error, _request, reply) => sendError(reply, error));
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return;
    if (!bearerMatches(request, options.apiToken)) {
      await reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: { code: 'UNAUTHORIZED', message: 'missing or wrong bearer token', hint: 'send Authorization: Bearer <mixer api token> (rig reads it from the data dir)' } });
    }
  });

  const service = options.service;
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const ready = await service.ready().catch(() => false);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get('/v1/racks', { schema: { tags: ['racks'], response: { 200: z.array(rackRecord) } } }, async () => (await service.listRacks()).map(withLiveness));
  app.get('/v1/racks/:id', { schema: { tags: ['racks'], params: idParams, response: { 200: rackRecord, 404: errorBody } } }, async (request) =>
    withLiveness(await service.getRack(request.params.id)),
  );
  app.post('/v1/racks/:id/drain', { schema: { tags: ['racks'], params: idParams, security: secured, response: { 202: z.object({ rack: z.string(), draining: z.boolean() }), 404: errorBody, 504: errorBody } } }, async (request, reply) => {
    await service.drainRack(request.params.id);
    return reply.code(202).send({ rack: request.params.id, draining: true });
  });

  app.get('/v1/scenarios', { schema: { tags: ['scenarios'], response: { 200: z.array(scenarioRecord) } } }, async () => service.listScenarios());
  app.get('/v1/scenarios/:id', { schema: { tags: ['scenarios'], params: idParams, response: { 200: scenarioRecord, 404: errorBody } } }, async (request) =>
    service.getScenario(request.params.id),
  );
  app.put(
    '/v1/scenarios/:id',
    {
      schema: { tags: ['scenarios'], params: idParams, body: scenarioSchema, security: secured, response: { 200: scenarioRecord, 400: errorBody } },
      // The body is checked by the service, which also checks it against the gear catalogue and words
      // every problem with its key path and a hint; the zod schema above is for the OpenAPI document.
      validatorCompiler: (route) => (route.httpPart === 'body' ? (value: unknown) => ({ value }) : validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0])),
    },
    async (request) => service.putScenario(request.params.id, request.body),
  );
  app.delete('/v1/scenarios/:id', { schema: { tags: ['scenarios'], params: idParams, security: secured, response: { 204: z.null(), 404: errorBody } } }, async (request, reply) => {
    await service.deleteScenario(request.params.id);
    return reply.code(204).send(null);
  });
  for (const [verb, deployed] of [
    ['deploy', true],
    ['undeploy', false],
  ] as const) {
    app.post(`/v1/scenarios/:id/${verb}`, { schema: { tags: ['scenarios'], params: idParams, security: secured, response: { 200: scenarioRecord, 404: errorBody } } }, async (request) =>
      service.setDeployed(request.params.id, deployed),
    );
  }
  app.get('/v1/scenarios/:id/status', { schema: { tags: ['scenarios'], params: idParams, response: { 200: scenarioStatus, 404: errorBody } } }, async (request) =>
    service.status(request.params.id),
  );

  app.get('/v1/gears', { schema: { tags: ['gears'] } }, async () =>
    service.catalogue.map((gear) => ({
      type: gear.type,
      summary: gear.summary,
      pure: gear.pure,
      inputs: gear.inputs,
      outputs: gear.outputs,
      config: z.toJSONSchema(gear.config, { io: 'input', unrepresentable: 'any' }),
    })),
  );
  return app;
}

function withLiveness<T extends { heartbeatAt: string; heartbeatMs: number }>(rack: T): T & { live: boolean } {
  return { ...rack, live: Date.now() - Date.parse(rack.heartbeatAt) <= rack.heartbeatMs * 3 };
}

function bearerMatches(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const problems = error.validation.map((issue) => ({ where: error.validationContext ?? 'request', path: issue.instancePath.replace(/^\//, '').replaceAll('/', '.'), message: issue.message ?? 'invalid' }));
    return reply.code(400).send({ error: { code: 'REQUEST_INVALID', message: `${problems.length} problem(s) in the request`, problems } });
  }
  if (isRigError(error)) {
    const rig = error as RigError;
    const problems = rig.details?.problems;
    return reply.code(STATUS_BY_CODE[rig.code] ?? (rig.exitCode === 2 ? 400 : 500)).send({
      error: { code: rig.code, message: rig.message, ...(rig.where ? { where: rig.where } : {}), ...(rig.hint ? { hint: rig.hint } : {}), ...(problems ? { problems } : {}) },
    });
  }
  const status = (error as { statusCode?: number }).statusCode ?? 500;
  const code = (error as { code?: string }).code ?? 'INTERNAL';
  return reply.code(status).send({ error: { code: status >= 500 ? 'INTERNAL' : code, message: (error as Error).message ?? String(error) } });
}
