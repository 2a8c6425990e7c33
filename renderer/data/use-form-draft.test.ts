import { act, renderHook } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { useFormDraft, type FormDraftOptions, type FormErrorSource } from './use-form-draft';

interface Draft {
  name: string;
  cidr: string;
  kind: 'public' | 'private';
}

const initial: Draft = { name: '', cidr: '', kind: 'public' };

/** A contract form's error state as useContractForm keeps it (a failed call set `errors`). */
function useErrorSource(start: Record<string, string>): FormErrorSource {
  const [errors, setErrors] = useState(start);
  return {
    errors,
    clearError: (path) =>
      setErrors((e) => {
        const rest = { ...e };
        delete rest[path];
        return rest;
      }),
  };
}

function render(contract: Record<string, string>, options: Omit<FormDraftOptions<Draft>, 'forms'> = {}) {
  return renderHook(() => {
    const form = useErrorSource(contract);
    return { form, draft: useFormDraft(initial, { ...options, forms: [form] }) };
  });
}

describe('useFormDraft', () => {
  it('binds a field to the draft: value, onChange and error', () => {
    const { result } = render({ cidr: 'Not a CIDR' });
    const cidr = result.current.draft.field('cidr');
    expect(cidr.value).toBe('');
    expect(cidr.error).toBe('Not a CIDR');
    act(() => cidr.onChange('10.0.0.0/24'));
    expect(result.current.draft.draft).toEqual({ ...initial, cidr: '10.0.0.0/24' });
    expect(result.current.draft.field('cidr').value).toBe('10.0.0.0/24');
  });

  it("an edit clears that field's contract error and leaves the others", () => {
    const { result } = render({ cidr: 'Not a CIDR', name: 'Taken' });
    act(() => result.current.draft.edit('cidr', '10.0.0.0/24'));
    expect(result.current.form.errors).toEqual({ name: 'Taken' });
    expect(result.current.draft.errors).toEqual({ name: 'Taken' });
  });

  it("an edit clears that field's local check error, and local checks show over contract ones", () => {
    const { result } = render({ name: 'Taken', kind: 'Bad kind' });
    act(() => result.current.draft.setErrors({ name: 'Required', cidr: 'Required', kind: undefined }));
    expect(result.current.draft.errors).toEqual({ name: 'Required', cidr: 'Required', kind: 'Bad kind' });
    act(() => result.current.draft.field('cidr').onChange('10.0.0.0/24'));
    expect(result.current.draft.errors).toEqual({ name: 'Required', kind: 'Bad kind' });
    act(() => result.current.draft.edit('name', 'edge'));
    expect(result.current.draft.errors).toEqual({ kind: 'Bad kind' });
  });

  it('maps contract paths to draft fields with fieldOf, and clears every path of the edited field', () => {
    const { result } = render({ 'kind.0': 'Bad kind', 'kind.1': 'Bad too', 'other.x': 'Not ours' }, { fieldOf: (path) => (path.startsWith('kind') ? 'kind' : undefined) });
    // Two paths on one field: the first message shows (both are cleared by one edit).
    expect(result.current.draft.errors).toEqual({ kind: 'Bad kind' });
    act(() => result.current.draft.field('kind').onChange('private'));
    expect(result.current.form.errors).toEqual({ 'other.x': 'Not ours' });
    expect(result.current.draft.errors).toEqual({});
  });

  it('onEdit hears every edit (an answer for the old input goes), setDraft is not an edit', () => {
    const edited: string[] = [];
    const { result } = render({}, { onEdit: (key) => edited.push(key) });
    act(() => result.current.draft.field('name').onChange('edge'));
    act(() => result.current.draft.edit('kind', 'private'));
    act(() => result.current.draft.setDraft(initial));
    expect(edited).toEqual(['name', 'kind']);
  });

  it('setDraft replaces the draft and keeps the errors', () => {
    const { result } = render({ name: 'Taken' });
    act(() => result.current.draft.setDraft({ name: 'x', cidr: 'y', kind: 'private' }));
    expect(result.current.draft.draft).toEqual({ name: 'x', cidr: 'y', kind: 'private' });
    expect(result.current.draft.errors).toEqual({ name: 'Taken' });
  });
});
