import type { ReactNode } from 'react';
import { FieldError } from './FieldError';

export interface Segment<V extends string> {
  value: V;
  label: string;
  /** A tooltip on the choice. */
  hint?: string;
}

/** A labelled group of radio buttons drawn as one segmented control, with its hint and contract error under it. */
export function SegmentedField<V extends string>({
  legend,
  name,
  value,
  options,
  onChange,
  hint,
  error,
  children,
}: {
  legend: string;
  name: string;
  value: V;
  options: readonly Segment<NoInfer<V>>[];
  onChange(value: NoInfer<V>): void;
  hint?: ReactNode;
  /** The contract error, shown with the id `${name}-error`. */
  error?: string | undefined;
  /** Fields that belong to the choice (shown under it, inside the group). */
  children?: ReactNode;
}) {
  return (
    <fieldset className="field">
      <legend>{legend}</legend>
      <div className="segmented" role="presentation">
        {options.map((o) => (
          <label key={o.value} className="segment" title={o.hint}>
            <input type="radio" name={name} value={o.value} checked={value === o.value} onChange={() => onChange(o.value)} />
            <span>{o.label}</span>
          </label>
        ))}
      </div>
      {children}
      {hint && <p className="field-hint">{hint}</p>}
      {error !== undefined && <FieldError id={`${name}-error`} message={error} />}
    </fieldset>
  );
}

/** Segments from [value, label] pairs. */
export function segments<const V extends string>(...pairs: readonly (readonly [V, string])[]): Segment<V>[] {
  return pairs.map(([value, label]) => ({ value, label }));
}
