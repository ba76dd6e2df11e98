import { apportion, Prng } from './prng';

/** How big a generated dataset is. */
export interface Scale {
  tenants: number;
  /** Including one 基幹 per tenant. */
  offices: number;
  /** Including two 基幹 staff per tenant. */
  staff: number;
  persons: number;
  consultations: number;
}

export const SCALES = {
  /** A national vendor's deployment (issue 9): every municipality of Japan. */
  national: { tenants: 1700, offices: 10_000, staff: 30_000, persons: 1_500_000, consultations: 20_000_000 },
  /** A slice for CI and the query-plan test: 20 towns, so that one town is as small a share of a table as at national scale would make an index worth using. */
  city: { tenants: 20, offices: 100, staff: 200, persons: 7_500, consultations: 100_000 },
} as const satisfies Record<string, Scale>;
export type ScaleName = keyof typeof SCALES;

export const KIKAN_STAFF_PER_TENANT = 2;

/** Deterministic, sortable ids: `0000000k-0000-4000-8000-<index in hex>`, k naming the table. */
export function benchId(kind: number, index: number): string {
  return `0000000${kind}-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}
export const ID_KIND = { tenant: 1, office: 2, staff: 3, person: 4, plan: 5, consultation: 6 } as const;

/**
 * Who belongs where, as flat typed arrays (1.5 M persons cost a few MB): tenants sized on a
 * Zipf-like curve (a 政令市 has ~300 times the cases of a village), offices and staff in
 * proportion, each person in one counseling office with one counselor of that office.
 */
export interface Layout {
  scale: Scale;
  tenantPersons: number[];
  /** Offices in tenant order; the first office of each tenant is its 基幹. */
  officeTenant: Int32Array;
  officeIsKikan: Uint8Array;
  tenantFirstOffice: Int32Array;
  /** Staff in office order. */
  staffOffice: Int32Array;
  officeFirstStaff: Int32Array;
  officeStaffCount: Int32Array;
  /** Persons in tenant, then office order. */
  personTenant: Int32Array;
  personOffice: Int32Array;
  personCounselor: Int32Array;
  /** 1-based number inside the tenant: the case code C-%04d. */
  personNumber: Int32Array;
  /** Counseling (non-基幹) offices, for anonymous first contacts. */
  counselingOffices: Int32Array;
}

export function buildLayout(scale: Scale, seed: number): Layout {
  const rng = new Prng(seed);
  const t = scale.tenants;
  const tenantWeights = Array.from({ length: t }, (_, i) => 1 / (i + 5));
  const tenantPersons = apportion(scale.persons, tenantWeights, 1);
  const counselingPerTenant = apportion(scale.offices - t, tenantPersons, 1);

  const officeTenant = new Int32Array(scale.offices);
  const officeIsKikan = new Uint8Array(scale.offices);
  const tenantFirstOffice = new Int32Array(t);
  const officePersons: number[] = [];
  let o = 0;
  for (let ti = 0; ti < t; ti++) {
    tenantFirstOffice[ti] = o;
    officeTenant[o] = ti;
    officeIsKikan[o] = 1;
    officePersons.push(0);
    o++;
    const n = counselingPerTenant[ti] ?? 1;
    // Offices of one town differ in size: weights 0.5–1.5.
    const sizes = apportion(
      tenantPersons[ti] ?? 0,
      Array.from({ length: n }, () => 0.5 + rng.next()),
      0,
    );
    for (let k = 0; k < n; k++, o++) {
      officeTenant[o] = ti;
      officePersons.push(sizes[k] ?? 0);
    }
  }

  const kikanStaff = KIKAN_STAFF_PER_TENANT * t;
  const counselingStaff = apportion(
    scale.staff - kikanStaff,
    officePersons.map((p, i) => (officeIsKikan[i] ? 0 : p + 1)),
    0,
  );
  const staffOffice = new Int32Array(scale.staff);
  const officeFirstStaff = new Int32Array(scale.offices);
  const officeStaffCount = new Int32Array(scale.offices);
  let s = 0;
  for (let oi = 0; oi < scale.offices; oi++) {
    const n = officeIsKikan[oi] ? KIKAN_STAFF_PER_TENANT : Math.max(1, counselingStaff[oi] ?? 0);
    officeFirstStaff[oi] = s;
    officeStaffCount[oi] = n;
    for (let k = 0; k < n && s < scale.staff; k++) staffOffice[s++] = oi;
  }
  if (s !== scale.staff) throw new Error(`staff layout: placed ${s} of ${scale.staff} (too few staff for the offices)`);

  const personTenant = new Int32Array(scale.persons);
  const personOffice = new Int32Array(scale.persons);
  const personCounselor = new Int32Array(scale.persons);
  const personNumber = new Int32Array(scale.persons);
  let p = 0;
  const numberInTenant = new Int32Array(t);
  for (let oi = 0; oi < scale.offices; oi++) {
    const ti = officeTenant[oi] ?? 0;
    const first = officeFirstStaff[oi] ?? 0;
    const count = officeStaffCount[oi] ?? 1;
    for (let k = 0; k < (officePersons[oi] ?? 0); k++, p++) {
      personTenant[p] = ti;
      personOffice[p] = oi;
      personCounselor[p] = first + (k % count);
      const n = (numberInTenant[ti] ?? 0) + 1;
      numberInTenant[ti] = n;
      personNumber[p] = n;
    }
  }
  const counselingOffices = Int32Array.from(Array.from(officeIsKikan).flatMap((k, i) => (k ? [] : [i])));
  return {
    scale,
    tenantPersons,
    officeTenant,
    officeIsKikan,
    tenantFirstOffice,
    staffOffice,
    officeFirstStaff,
    officeStaffCount,
    personTenant,
    personOffice,
    personCounselor,
    personNumber,
    counselingOffices,
  };
}
