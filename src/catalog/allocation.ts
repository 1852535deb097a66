/**
 * Which locations a quantity of one variant is taken from. Pure: the store runs the result as conditional
 * updates and retries with fresh levels if another buyer got there first.
 */
export interface AllocatableLevel {
  locationId: string;
  /** Sellable units now; null = not tracked (unlimited). */
  available: number | null;
  backorder: boolean;
  preorder: boolean;
  /** Lower ships first (warehouses before stores). */
  priority: number;
}

export interface Allocation {
  locationId: string;
  quantity: number;
}

export interface AllocationResult {
  allocations: Allocation[];
  /** Units no location could supply. */
  shortfall: number;
}

/**
 * Prefer one location that can supply everything (one shipment), in priority order; otherwise take from
 * locations in priority order; any remainder goes to the first location that accepts backorders or
 * preorders; what is left after that is the shortfall.
 */
export function allocate(levels: readonly AllocatableLevel[], quantity: number): AllocationResult {
  if (!Number.isInteger(quantity) || quantity <= 0) throw new RangeError('quantity must be a positive integer');
  const ordered = [...levels].sort((a, b) => a.priority - b.priority || a.locationId.localeCompare(b.locationId));
  const whole = ordered.find((l) => l.available === null || l.available >= quantity);
  if (whole) return { allocations: [{ locationId: whole.locationId, quantity }], shortfall: 0 };

  const allocations: Allocation[] = [];
  let remaining = quantity;
  for (const level of ordered) {
    const take = Math.min(remaining, level.available ?? remaining);
    if (take > 0) {
      allocations.push({ locationId: level.locationId, quantity: take });
      remaining -= take;
    }
    if (remaining === 0) break;
  }
  if (remaining > 0) {
    const oversell = ordered.find((l) => l.backorder || l.preorder);
    if (oversell) {
      const existing = allocations.find((a) => a.locationId === oversell.locationId);
      if (existing) existing.quantity += remaining;
      else allocations.push({ locationId: oversell.locationId, quantity: remaining });
      remaining = 0;
    }
  }
  return { allocations, shortfall: remaining };
}
