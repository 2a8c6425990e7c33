/**
 * One labelled drop-down of a filter toolbar: a visible label, an accessible name, and "Any"
 * (value '') first unless `anyLabel` is null. Options are [value, label] pairs.
 */
export function FilterSelect<V extends string>({
  label,
  ariaLabel,
  value,
  options,
  onChange,
  anyLabel = 'Any',
}: {
  label: string;
  ariaLabel: string;
  value: V | '';
  options: readonly (readonly [V, string])[];
  onChange(value: V | ''): void;
  anyLabel?: string | null;
}) {
  return (
    <label className="inline-field">
      <span>{label}</span>
      <select value={value} onChange={(event) => onChange(event.target.value as V | '')} aria-label={ariaLabel}>
        {anyLabel !== null && <option value="">{anyLabel}</option>}
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}
