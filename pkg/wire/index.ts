/**
 * pkg/wire: the envelope type, its CBOR codec, subject names and the CloudEvents mapping. Pure code: no
 * I/O, no NATS types (pkg/bus puts these bytes on subjects).
 */
export type { Envelope } from './envelope.ts';
export { DEFAULT_MAX_BYTES, type DecodeOptions, decodeEnvelope, encodeEnvelope, validateEnvelope } from './codec.ts';
export { decodeCbor, encodeCbor } from './cbor.ts';
export { CLOUDEVENTS_SPEC_VERSION, type CloudEvent, fromCloudEvent, toCloudEvent } from './cloudevents.ts';
export {
  controlFilter,
  controlSubject,
  dataFilter,
  dataSubject,
  dlqSubject,
  eventsSubject,
  kindFilter,
  type ParsedSubject,
  parseSubject,
  SUBJECT_KINDS,
  SUBJECT_ROOT,
  type SubjectKind,
  subjectToken,
  telemetrySubject,
} from './subjects.ts';
