export type {
  Batch,
  Bus,
  ConsumedRecord,
  OutgoingRecord,
  PartitionLag,
  PublishAck,
  PublishOptions,
  RangeReader,
  SubscribeOptions,
  Subscription,
  TopicSpec,
} from './bus/bus.js';
export { MemoryBus, type MemoryBusOptions } from './bus/memory-bus.js';
export { KafkaBus, type KafkaBusOptions } from './bus/kafka-bus.js';
export { partitionOf } from './bus/partition-of.js';
export { createBus } from './create-bus.js';
export { withTimeout } from './with-timeout.js';
export { level, Metrics, serveMetrics, tally, tallyBy, type LagSource, type MetricsOptions } from './metrics/metrics.js';
export { ConfigSchema, loadConfig, RATE_TOKEN_BYTES, type Config, type RawConfig, type Topics } from './config.js';
export { CmfError, ErrorCodes, isRetriable, type ErrorCode } from './errors.js';
export { clientIdOf, newGatewayId } from './ids.js';
export { createLogger, describeError, type LogFormat, type Logger, type LogLevel } from './logger.js';
export { PresenceView } from './presence/presence-view.js';
export * from './protocol/client-frame.js';
export * from './protocol/server-frame.js';
export * from './protocol/records.js';
export { CloseCodes, type CloseCode } from './protocol/close-codes.js';
export { decodeRecord, encodeRecord } from './protocol/codec.js';
export { commandOf, decodeCommand, encodeCommand, type ReceivedCommand } from './protocol/command-codec.js';
export { parseClientFrame, refOf, type FrameProblem, type ParsedClientFrame } from './protocol/parse-client-frame.js';
export { topicSpecs } from './topic-specs.js';
export { runService, requireKafka, type Service } from './run-service.js';
export { listen, closeServer } from './listen.js';
export { httpServerOptions } from './http-limits.js';
export {
  ComponentSchema,
  createProbes,
  HealthSchema,
  KafkaStateSchema,
  ReadinessSchema,
  serveProbes,
  type Component,
  type Health,
  type KafkaState,
  type ProbeSource,
  type Probes,
} from './probes.js';
export { sendJson, sendNotFound } from './send-json.js';
export { unreachable } from './unreachable.js';
export { simulatorPageHeaders } from './simulator-page-headers.js';
