import { Session } from 'node:inspector/promises';

/** The parts of a V8 CPU profile the summary reads. */
export type CpuProfile = {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
};

/** Samples this process's main thread while `work` runs; only that window ends up in the profile. */
export const profileCpu = async <T>(work: () => Promise<T>): Promise<{ result: T; profile: CpuProfile }> => {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const result = await work();
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    return { result, profile };
  } finally {
    session.disconnect();
  }
};

/** Where a function lives, coarse enough to act on: a package, our own code, Node itself, GC, idle. */
const categoryOf = (url: string, functionName: string): string => {
  if (url === '') return functionName.startsWith('(') ? functionName : 'native';
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [scope, name] = path.slice(modules + '/node_modules/'.length).split('/');
    return scope!.startsWith('@') ? `${scope}/${name}` : scope!;
  }
  if (path.startsWith('node:')) return 'node (http, net, streams, ...)';
  for (const workspace of ['sdk', 'server', 'bench', 'test']) if (path.includes(`/${workspace}/`)) return `eventshop ${workspace}`;
  return 'other';
};

export type ProfileSummary = {
  totalMs: number;
  byCategory: { category: string; ms: number; share: number }[];
  topFunctions: { name: string; ms: number; share: number }[];
};

/** Self time per category and per function, from the sample counts and their time deltas. */
export const summarizeProfile = (profile: CpuProfile, top = 15): ProfileSummary => {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const us = profile.timeDeltas[index + 1] ?? 0;
    const frame = nodes.get(id)!;
    const category = categoryOf(frame.url, frame.functionName);
    const where = frame.url ? `${frame.url.replace(/^.*\/(node_modules|work)\//, '')}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    totalUs += us;
  });
  const ranked = (map: Map<string, number>) =>
    [...map].sort((a, b) => b[1] - a[1]).map(([key, us]) => ({ key, ms: us / 1000, share: totalUs > 0 ? us / totalUs : 0 }));
  return {
    totalMs: totalUs / 1000,
    byCategory: ranked(byCategory).map(({ key, ms, share }) => ({ category: key, ms, share })),
    topFunctions: ranked(byFunction).slice(0, top).map(({ key, ms, share }) => ({ name: key, ms, share })),
  };
};
