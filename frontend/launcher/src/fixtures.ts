// Launcher states shaped as CONTRACT-launcher.md, for the unit tests.
import type { LauncherState, PointsSection } from './types';

export function pointsData(member: PointsSection['member'] = null): PointsSection {
  return {
    program: { enabled: true, opt_in: false, point_value: { points: 100, amount: '1.00' } },
    ways_to_earn: [
      { id: null, kind: 'order', title: 'Place an order', points_per_unit: '5', minimum_order: null },
      { id: 3, kind: 'birthday', title: 'Celebrate your birthday', points: 100, done: false, birthday: null },
      {
        id: 4,
        kind: 'social_follow',
        network: 'instagram',
        title: 'Follow us on Instagram',
        points: 50,
        url: 'https://instagram.com/x',
        done: false,
      },
    ],
    rewards: [
      { id: 12, kind: 'fixed_amount', title: '$5 off', cost: 500, value: '5.00', variable: false, affordable: true },
      { id: 14, kind: 'fixed_amount', title: '$50 off', cost: 5000, value: '50.00', variable: false, affordable: false },
    ],
    member,
  };
}

export function memberData(balance = 1200): NonNullable<PointsSection['member']> {
  return {
    state: 'active',
    balance,
    balance_value: (balance / 100).toFixed(2),
    pending: 300,
    pending_lots: [{ points: 300, posts_at: '2026-12-20T00:00:00Z' }],
    expiring: [{ points: 200, expires_at: '2027-03-01T00:00:00Z' }],
    codes: [{ code: 'RWD-OLD1', title: '$5 off', value: '5.00', used: true, expires_at: null }],
    history: {
      entries: [
        {
          id: 91,
          created_at: '2026-11-02T10:00:00Z',
          points: 500,
          kind: 'earn',
          status: 'posted',
          description: 'Order #1001',
          explanation: '500 points from order #1001, 200 of them expire on 1 March',
          lot: { points: 500, remaining: 200, expires_at: '2027-03-01T00:00:00Z' },
        },
      ],
      next_cursor: 'c2',
    },
  };
}

export function launcherState(points: PointsSection, customer: LauncherState['customer'] = null): LauncherState {
  return {
    shop: { domain: 'demo.myshopify.com', currency: 'EUR' },
    customer,
    links: { login: '/account/login', register: '/account/register', cart: '/cart' },
    launcher: { label: 'Rewards', program_name: "Collector's Club", button_color: '#5c6ac4', text_color: '#ffffff' },
    sections: [{ key: 'points', title: 'Points', data: points }],
  };
}
