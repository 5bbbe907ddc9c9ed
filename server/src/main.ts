import { loadConfig } from './infra/config.js';
import { loggerOptions } from './infra/logging.js';
import { startMetricsListener } from './infra/observability/metrics-endpoint.js';
import { createServer } from './server.js';
import { startTracing, stopTracing } from './infra/tracing/tracing.js';

/** `npm start`: configuration from the environment, then listen, then stop cleanly on a signal. */
const main = async () => {
  const config = loadConfig();
  const say = (line = '') => process.stdout.write(`${line}\n`);
  // Before anything else, so the first requests and commands are traced too.
  const traced = await startTracing(process.env);
  say(config.databaseUrl ? 'Connecting to PostgreSQL from DATABASE_URL...' : `Starting embedded PostgreSQL (data in ${config.dataDir})...`);
  const server = await createServer(config, { logger: loggerOptions(config.logLevel, process.stdout), deferBackgroundWork: true });
  // The banner says where it listens; Fastify's own "Server listening" line would come above it.
  server.app.log.level = 'warn';
  const address = await server.app.listen({ host: config.host, port: config.port });
  server.app.log.level = config.logLevel;
  const base = address.replace('127.0.0.1', 'localhost');
  server.announce(base);
  const { port: metricsPort } = config.metrics;
  const metricsListener =
    metricsPort === undefined
      ? undefined
      : await startMetricsListener(server.metrics, { ...config.metrics, port: metricsPort }).catch((error: { code?: string; message: string }) => {
          // Not the EADDRINUSE of the API port below, whose advice is to change PORT.
          throw new Error(`the metrics listener could not open ${config.metrics.host}:${metricsPort} (${error.code ?? error.message}); set EVENTSHOP_METRICS_PORT to another port`);
        });

  say();
  say(`eventshop is listening on ${base}`);
  say(`  API reference  ${base}/docs   (OpenAPI: ${base}/openapi.json)`);
  if (metricsListener) say(`  Metrics        ${metricsListener.url}${config.metrics.token ? '   (bearer EVENTSHOP_METRICS_TOKEN)' : ''}`);
  else if (config.metrics.token) say(`  Metrics        ${base}/metrics   (bearer EVENTSHOP_METRICS_TOKEN)`);
  say(`  Database       ${server.embedded ? `embedded PostgreSQL, data in ${config.dataDir}` : 'DATABASE_URL'}`);
  if (traced) say(`  Traces         OTLP to ${process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT}`);
  if (!config.api) say('  Role           processors only (EVENTSHOP_API=off): /health and /ready answer, the API does not');
  if (!config.processors) say('  Role           API only (EVENTSHOP_PROCESSORS=off)');
  if (server.admin.generatedPassword) {
    say();
    say('  An admin account was created. Its password is shown this once:');
    say(`    email     ${server.admin.email}`);
    say(`    password  ${server.admin.generatedPassword}`);
  }
  if (server.admin.passwordReset) {
    say();
    say(`  The password of ${server.admin.email} was reset from EVENTSHOP_ADMIN_PASSWORD; its earlier sessions were ended.`);
  }
  say();
  say('  Get an admin token:');
  say(`    npx shopctl login --url ${base} --email ${server.admin.email}`);
  say(`    curl -s ${base}/api/users/login -H 'content-type: application/json' -d '{"email":"${server.admin.email}","password":"..."}'`);
  if (!server.admin.generatedPassword && !server.admin.passwordReset) say('  (Forgot the password? Restart with EVENTSHOP_ADMIN_PASSWORD=<new one> to reset it.)');
  say();
  say('Press Ctrl-C to stop.');
  await server.startBackgroundWork();
  server.app.log.info({ url: base }, 'listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal} received: stopping the server${server.embedded ? ' and the embedded PostgreSQL' : ''}...`);
    const forceExit = setTimeout(() => process.exit(1), 15_000);
    forceExit.unref();
    try {
      await metricsListener?.close();
      await server.close();
      await stopTracing().catch(() => {});
      say('Stopped.');
      process.exit(0);
    } catch (error) {
      process.stderr.write(`Could not stop cleanly: ${(error as Error).message}\n`);
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
};

main().catch((error: unknown) => {
  process.stderr.write(`eventshop could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  if ((error as { code?: string }).code === 'EADDRINUSE') process.stderr.write('Another program uses that port; set PORT to choose another.\n');
  process.exit(1);
});
