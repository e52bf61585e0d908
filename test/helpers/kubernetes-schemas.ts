/**
 * Checks a Kubernetes object two ways, both from the kubernetes-models package (generated from the Kubernetes
 * OpenAPI schemas): its runtime validator (types, enums, formats such as quantities, required fields), and the
 * TypeScript compiler over the object as a literal of the model's interface, whose excess-property check
 * catches a misspelt or misplaced field, which the OpenAPI schemas (open objects) let through.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { StatefulSet } from 'kubernetes-models/apps/v1';
import { CronJob, Job } from 'kubernetes-models/batch/v1';

/** Model classes by `apiVersion kind`, and the module and interface the type check imports. */
const MODELS = {
  'batch/v1 CronJob': { model: CronJob, module: 'kubernetes-models/batch/v1/CronJob', type: 'ICronJob' },
  'batch/v1 Job': { model: Job, module: 'kubernetes-models/batch/v1/Job', type: 'IJob' },
  'v1 ConfigMap': { model: ConfigMap, module: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'v1 Secret': { model: Secret, module: 'kubernetes-models/v1/Secret', type: 'ISecret' },
  'v1 Namespace': { model: Namespace, module: 'kubernetes-models/v1/Namespace', type: 'INamespace' },
  'v1 Service': { model: Service, module: 'kubernetes-models/v1/Service', type: 'IService' },
  'apps/v1 StatefulSet': { model: StatefulSet, module: 'kubernetes-models/apps/v1/StatefulSet', type: 'IStatefulSet' },
} as const;

type Known = keyof typeof MODELS;

function modelOf(object: Record<string, unknown>): (typeof MODELS)[Known] {
  const key = `${String(object.apiVersion)} ${String(object.kind)}`;
  if (!(key in MODELS)) throw new Error(`no model for ${key}: add it to test/helpers/kubernetes-schemas.ts`);
  return MODELS[key as Known];
}

/** The OpenAPI validator's complaint, or null. */
export function openApiProblems(object: Record<string, unknown>): string | null {
  const { model } = modelOf(object);
  try {
    new model(object).validate();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const projectDir = dirname(createRequire(import.meta.url).resolve('kubernetes-models/package.json'));

/** TypeScript's diagnostics for each object as a literal of its model's interface (one program for all). */
export function typeProblems(objects: Record<string, unknown>[]): string[][] {
  const files = new Map<string, string>();
  objects.forEach((object, index) => {
    const { module, type } = modelOf(object);
    files.set(
      join(projectDir, `__check_${index}.ts`),
      `import type { ${type} } from '${module}';\nexport const object: ${type} = ${JSON.stringify(object, null, 2)};\n`,
    );
  });
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => files.get(name) ?? readFile(name);
  host.fileExists = (name) => files.has(name) || ts.sys.fileExists(name);
  host.getSourceFile = (name, version, onError) => {
    const text = files.get(name);
    return text === undefined ? getSourceFile(name, version, onError) : ts.createSourceFile(name, text, version);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  return [...files.keys()].map((name) =>
    ts
      .getPreEmitDiagnostics(program, program.getSourceFile(name))
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')),
  );
}
