import { z } from 'zod';
import { labelText, poolName } from './names.js';
import type { CommandSpec } from './command-spec.js';

// Shapes only: the address math lives in core/ipam (the renderer shows, the core decides).
const ipText = z.string().trim().min(2).max(45);

export const reservedRangeSchema = z.object({ start: ipText, end: ipText, reason: labelText(200).default('') });

export const poolInputSchema = z
  .object({
    name: poolName,
    cidr: z.string().trim().min(3).max(50),
    kind: z.enum(['public', 'private']),
    scope: labelText(100).optional(),
    gateway: ipText.nullable().optional(),
    reserved: z.array(reservedRangeSchema).max(100).optional(),
  })
  .strict();

export const poolSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  cidr: z.string(),
  family: z.union([z.literal(4), z.literal(6)]),
  kind: z.enum(['public', 'private']),
  scope: z.string(),
  gateway: z.string().nullable(),
  reserved: z.array(z.object({ start: z.string(), end: z.string(), reason: z.string() })),
  createdAt: z.string(),
  createdBy: z.string(),
  size: z.string(),
  allocated: z.number().int(),
  reservedCount: z.string(),
});
export type PoolView = z.infer<typeof poolSchema>;

export const allocationSchema = z.object({
  id: z.number().int(),
  pool: z.string(),
  address: z.string(),
  owner: z.string(),
  purpose: z.string(),
  procedureId: z.string().nullable(),
  allocatedAt: z.string(),
  allocatedBy: z.string(),
  releasedAt: z.string().nullable(),
  releasedBy: z.string().nullable(),
});
export type AllocationView = z.infer<typeof allocationSchema>;

const empty = z.object({}).strict();

/** Address pools and allocations. */
export const ipamCommands = {
  'ipam.pools.list': {
    summary: 'Address pools with utilisation',
    input: empty,
    output: z.array(poolSchema),
  },
  'ipam.pools.add': {
    summary: 'Add an address pool',
    input: poolInputSchema,
    output: poolSchema,
  },
  'ipam.allocations.list': {
    summary: 'Allocations, by pool',
    input: z.object({ pool: poolName.optional(), includeReleased: z.boolean().default(false) }).strict(),
    output: z.array(allocationSchema),
  },
  'ipam.allocate': {
    summary: 'Allocate an address from a pool to an owner (the lowest free one, or a given one); an owner that already holds one for the purpose gets it back',
    input: z
      .object({
        pool: poolName,
        owner: labelText(200).pipe(z.string().min(1, 'name the owner, e.g. vm:web-01 or team:db')),
        purpose: labelText(64).pipe(z.string().min(1)).default('manual'),
        address: ipText.optional(),
      })
      .strict(),
    output: allocationSchema,
  },
  'ipam.release': {
    summary: 'Release an allocation: by address (and pool when several hold it), or by owner and purpose in a pool',
    input: z.union([
      z.object({ address: ipText, pool: poolName.optional() }).strict(),
      z.object({ pool: poolName, owner: labelText(200).pipe(z.string().min(1)), purpose: labelText(64).pipe(z.string().min(1)).default('manual') }).strict(),
    ]),
    output: allocationSchema,
  },
} as const satisfies Record<string, CommandSpec>;
