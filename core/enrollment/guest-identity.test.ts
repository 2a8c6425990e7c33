import { describe, expect, it } from 'vitest';
import { byteSwappedUuid, canonicalUuid, compareUuids } from './guest-identity.js';

describe('guest identity: the VM BIOS UUID against the guest SMBIOS UUID', () => {
  it('reads the spellings vCenter and guests print', () => {
    const u = '00112233-4455-6677-8899-aabbccddeeff';
    expect(canonicalUuid(u)).toBe(u);
    expect(canonicalUuid(' 00112233-4455-6677-8899-AABBCCDDEEFF\n')).toBe(u);
    expect(canonicalUuid('{00112233-4455-6677-8899-aabbccddeeff}')).toBe(u);
    // VMware's serial-number spelling of the same 16 bytes.
    expect(canonicalUuid('VMware-00 11 22 33 44 55 66 77-88 99 aa bb cc dd ee ff')).toBe(u);
  });

  it('treats what identifies nothing as no UUID', () => {
    for (const bad of ['', '   ', 'Not Settable', '00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '0011223-4455-6677-8899-aabbccddeeff', null, undefined]) {
      expect(canonicalUuid(bad)).toBeNull();
    }
  });

  it('byte-swaps the first three fields only (SMBIOS 2.6 little-endian order)', () => {
    expect(byteSwappedUuid('00112233-4455-6677-8899-aabbccddeeff')).toBe('33221100-5544-7766-8899-aabbccddeeff');
    expect(byteSwappedUuid(byteSwappedUuid('421a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8'))).toBe('421a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8');
  });

  it('accepts the same UUID and its byte-swapped form, refuses any other', () => {
    const vm = '421a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8';
    expect(compareUuids(vm, '421A2B3C-4D5E-6F70-8192-A3B4C5D6E7F8')).toBe('same');
    expect(compareUuids(vm, '3c2b1a42-5e4d-706f-8192-a3b4c5d6e7f8')).toBe('byte-swapped');
    // Swapping the last two fields as well is not VMware's quirk: another machine.
    expect(compareUuids(vm, '3c2b1a42-5e4d-706f-9281-f8e7d6c5b4a3')).toBe('different');
    expect(compareUuids(vm, '421a2b3c-4d5e-6f70-8192-a3b4c5d6e7f9')).toBe('different');
    expect(compareUuids(vm, '')).toBe('different');
    expect(compareUuids('', vm)).toBe('different');
  });
});
