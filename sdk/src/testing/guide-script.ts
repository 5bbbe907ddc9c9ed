/**
 * Turns a guide's ```ts blocks into one ES module, so the guide itself can be type-checked and run.
 * Blocks show their imports where a name is first needed, and may import a module again; the
 * imports are gathered, merged per module and put on top, because one name imported twice
 * would not compile.
 */
const IMPORT_LINE = /^import (type )?\{([^}]*)\} from '([^']+)';$/;

export const guideScript = (markdown: string): string => {
  const blocks = [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const importsByModule = new Map<string, Set<string>>();
  const body: string[] = [];
  for (const line of blocks.join('\n').split('\n')) {
    const found = IMPORT_LINE.exec(line);
    if (!found) {
      body.push(line);
      continue;
    }
    const [, typeOnly, names, module] = found as unknown as [string, string | undefined, string, string];
    const specifiers = importsByModule.get(module) ?? new Set<string>();
    for (const name of names.split(',').map((part) => part.trim()).filter(Boolean)) {
      specifiers.add(typeOnly && !name.startsWith('type ') ? `type ${name}` : name);
    }
    importsByModule.set(module, specifiers);
  }
  const imports = [...importsByModule].map(([module, names]) => `import { ${[...names].join(', ')} } from '${module}';`);
  return [...imports, '', ...body].join('\n');
};
