import { OutpostError } from '../contract/errors.js';
import type { ProcedureDefinition } from './procedure.js';

/** Definitions keep their own context types; the registry and the engine see them as unknown. */
export type AnyProcedureDefinition = ProcedureDefinition<unknown>;

/** Which procedure kinds this build can run; a new procedure is one file plus one `register` line. */
export class ProcedureRegistry {
  private readonly byKind = new Map<string, AnyProcedureDefinition>();

  register(definition: AnyProcedureDefinition): this {
    if (this.byKind.has(definition.kind)) throw new Error(`procedure kind ${definition.kind} registered twice`);
    const names = new Set<string>();
    for (const step of definition.steps) {
      if (names.has(step.name)) throw new Error(`procedure ${definition.kind}: step ${step.name} appears twice`);
      names.add(step.name);
    }
    this.byKind.set(definition.kind, definition);
    return this;
  }

  get(kind: string): AnyProcedureDefinition {
    const definition = this.byKind.get(kind);
    if (!definition) throw new OutpostError('NOT_FOUND', `This Outpost has no procedure of kind "${kind}".`);
    return definition;
  }

  kinds(): string[] {
    return [...this.byKind.keys()].sort();
  }
}
