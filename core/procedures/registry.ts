import { OutpostError } from '../contract/errors.js';
import type { ProcedureDefinition } from './procedure.js';

/** Definitions keep their own context types; the registry and the engine see them as unknown. */
export type AnyProcedureDefinition<S = unknown> = ProcedureDefinition<unknown, S>;

/**
 * Fails to type-check when the engine's services `S` lack something a procedure needs (`N`); method
 * parameters are bivariant, so without it a procedure needing more than the engine has would pass.
 */
type ServicesCover<S, N> = [S] extends [N] ? unknown : { readonly missingServices: Exclude<keyof N, keyof S> };

/**
 * Which procedure kinds this build can run, over the services `S` the engine hands every step; the
 * composition root registers each domain's procedures (a new procedure is one file plus one line).
 */
export class ProcedureRegistry<S = unknown> {
  private readonly byKind = new Map<string, AnyProcedureDefinition<S>>();

  register<C, N>(definition: ProcedureDefinition<C, N> & ServicesCover<S, N>): this {
    if (this.byKind.has(definition.kind)) throw new Error(`procedure kind ${definition.kind} registered twice`);
    const names = new Set<string>();
    for (const step of definition.steps) {
      if (names.has(step.name)) throw new Error(`procedure ${definition.kind}: step ${step.name} appears twice`);
      names.add(step.name);
    }
    // Safe: ServicesCover proved S has what N needs, and the engine validates the context with the
    // definition's own schema before any step sees it.
    this.byKind.set(definition.kind, definition as unknown as AnyProcedureDefinition<S>);
    return this;
  }

  get(kind: string): AnyProcedureDefinition<S> {
    const definition = this.byKind.get(kind);
    if (!definition) throw new OutpostError('NOT_FOUND', `This Outpost has no procedure of kind "${kind}".`);
    return definition;
  }

  kinds(): string[] {
    return [...this.byKind.keys()].sort();
  }
}
