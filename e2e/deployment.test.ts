import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findHaproxy } from './support/load-balancer.js';
import { REPO_ROOT } from './support/server-process.js';

/**
 * The compose cluster profile cannot be started here (no Docker engine): this checks what can be
 * checked without one. The files parse, the pieces name each other consistently, HAProxy accepts
 * its configuration, and the dashboard asks only for series the server registers.
 */

const read = (file: string) => readFileSync(`${REPO_ROOT}/${file}`, 'utf8');
type Service = { profiles?: string[]; environment?: Record<string, string>; volumes?: string[]; secrets?: string[]; build?: string; image?: string; depends_on?: unknown; ports?: unknown[] };
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; secrets: Record<string, unknown> };
const services = compose.services;
const dashboard = JSON.parse(read('deploy/grafana/dashboards/eventshop.json')) as {
  uid: string;
  panels: { type: string; title: string; description?: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
};
const graphs = dashboard.panels.filter((panel) => panel.type !== 'row');

describe('docker compose --profile cluster', () => {
  it('keeps PostgreSQL and the single server out of the profile, and puts the cluster in it', () => {
    expect(services.postgres!.profiles).toBeUndefined();
    expect(services.server!.profiles).toBeUndefined();
    const cluster = Object.entries(services).filter(([, service]) => service.profiles?.includes('cluster')).map(([name]) => name);
    expect(cluster.sort()).toEqual(['api1', 'api2', 'grafana', 'loadbalancer', 'processors', 'prometheus']);
  });

  it('runs two API-only instances and one processor-only instance from this repository, all exposing /metrics to the token', () => {
    for (const name of ['api1', 'api2']) expect(services[name]!.environment).toMatchObject({ EVENTSHOP_PROCESSORS: 'off' });
    expect(services.processors!.environment).toMatchObject({ EVENTSHOP_API: 'off' });
    for (const name of ['api1', 'api2', 'processors']) {
      expect(services[name]!.build).toBe('.');
      expect(services[name]!.environment!.EVENTSHOP_METRICS_TOKEN).toMatch(/^\$\{EVENTSHOP_METRICS_TOKEN:\?/);
      expect(services[name]!.environment!.DATABASE_URL).toContain('@postgres:5432/');
    }
  });

  it('balances over exactly the API instances, and HAProxy accepts the configuration', () => {
    const config = read('deploy/haproxy/haproxy.cfg');
    expect(services.loadbalancer!.volumes).toContain('./deploy/haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    expect([...config.matchAll(/^\s*server (\S+) (\S+):3000 /gm)].map((match) => match[2])).toEqual(['api1', 'api2']);
    expect(config).toMatch(/option httpchk GET \/ready/);
    if (findHaproxy()) {
      const check = spawnSync('haproxy', ['-c', '-f', `${REPO_ROOT}/deploy/haproxy/haproxy.cfg`], { encoding: 'utf8' });
      expect(check.status, check.stdout + check.stderr).toBe(0);
    }
  });

  it('names each client to the API instances, which believe it only from the balancer', () => {
    expect(read('deploy/haproxy/haproxy.cfg')).toMatch(/^\s*option forwardfor$/m);
    for (const name of ['api1', 'api2']) {
      expect(services[name]!.environment!.EVENTSHOP_TRUST_PROXY).toBe('uniquelocal');
      // Reachable only through the balancer: a client able to connect directly could name any address.
      expect(services[name]!.ports).toBeUndefined();
    }
    // The single server publishes its own port: nobody in front of it is trusted.
    expect(services.server!.environment?.EVENTSHOP_TRUST_PROXY).toBeUndefined();
  });

  it('has Prometheus scrape all three instances with the metrics token from a compose secret', () => {
    const prometheus = parse(read('deploy/prometheus/prometheus.yml')) as {
      scrape_configs: { metrics_path: string; authorization: { type: string; credentials_file: string }; static_configs: { targets: string[] }[] }[];
    };
    const [job] = prometheus.scrape_configs;
    expect(job!.metrics_path).toBe('/metrics');
    expect(job!.static_configs.flatMap((group) => group.targets).sort()).toEqual(['api1:3000', 'api2:3000', 'processors:3000']);
    expect(job!.authorization).toEqual({ type: 'Bearer', credentials_file: '/run/secrets/metrics_token' });
    expect(services.prometheus!.secrets).toEqual(['metrics_token']);
    expect(compose.secrets.metrics_token).toEqual({ environment: 'EVENTSHOP_METRICS_TOKEN' });
  });

  it('provisions Grafana with the Prometheus data source and the dashboard, every panel explained', () => {
    const datasources = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as { datasources: { uid: string; url: string }[] };
    expect(datasources.datasources).toEqual([expect.objectContaining({ uid: 'prometheus', url: 'http://prometheus:9090' })]);
    const providers = parse(read('deploy/grafana/provisioning/dashboards/eventshop.yml')) as { providers: { options: { path: string } }[] };
    expect(services.grafana!.volumes).toContain(`./deploy/grafana/dashboards:${providers.providers[0]!.options.path}:ro`);
    expect(graphs.length).toBeGreaterThanOrEqual(15);
    for (const panel of graphs) {
      expect(panel.datasource?.uid, panel.title).toBe('prometheus');
      expect(panel.description, panel.title).toBeTruthy();
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
    // docs/deployment.md explains each panel by its title.
    const doc = read('docs/deployment.md');
    for (const panel of graphs) expect(doc, panel.title).toContain(`**${panel.title}**`);
  });

  const metricsModule = `${REPO_ROOT}/server/src/infra/observability/metrics.ts`;
  it.runIf(existsSync(metricsModule))('charts only series that the server registers', async () => {
    type Registry = { getMetricsAsArray(): { name: string }[] };
    const { createMetrics } = (await import(/* @vite-ignore */ metricsModule)) as { createMetrics: (sources: object) => { registry: Registry } };
    // Pool and processor series are registered only for a server that has them; the names are all this reads (nothing is collected).
    const sources = { pool: { totalCount: 0, idleCount: 0, waitingCount: 0 }, processors: { db: {}, declared: [] } };
    const registered = new Set(createMetrics(sources).registry.getMetricsAsArray().map((metric) => metric.name));
    const charted = new Set(graphs.flatMap((panel) => panel.targets!.flatMap((target) => [...target.expr.matchAll(/\b(?:eventshop|nodejs|process)_[a-z0-9_]+/g)].map((match) => match[0]))));
    const unknown = [...charted].filter((name) => !registered.has(name) && !registered.has(name.replace(/_(bucket|sum|count)$/, '')));
    expect(unknown).toEqual([]);
  });
});
