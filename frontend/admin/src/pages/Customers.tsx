// Members: search (email, name), filter by state and balance, sort; a row opens the profile.
import { Badge, BlockStack, Card, InlineStack, Page, Select, Text, TextField } from '@shopify/polaris';
import { useState } from 'react';
import { adminApi, type Member, type MemberQuery } from '../adminApi';
import { formatNumber } from '../components/format';
import { ListCard } from '../components/ListCard';
import { usePages } from '../components/usePages';
import { navigate } from '../router';

export function memberName(member: Member): string {
  const name = [member.first_name, member.last_name].filter(Boolean).join(' ');
  return name || member.email || `Customer ${member.customer_shopify_id}`;
}

const SORTS = [
  { label: 'Last active', value: '-last_activity_at' },
  { label: 'Balance, highest first', value: '-balance' },
  { label: 'Balance, lowest first', value: 'balance' },
  { label: 'Newest members', value: '-joined_at' },
];

export function Customers() {
  const [filters, setFilters] = useState<MemberQuery>({ sort: '-last_activity_at' });
  const [search, setSearch] = useState('');
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filters, search })) if (v !== undefined && v !== '') params.set(k, String(v));
  const first = `/api/admin/members?${params.toString()}`;
  const pages = usePages<Member>(first, (path, signal) => adminApi.membersPage(path, signal));
  const set = (name: keyof MemberQuery) => (value: string) =>
    setFilters((f) => ({ ...f, [name]: value === '' ? undefined : value }));

  return (
    <Page title="Customers">
      <BlockStack gap="300">
        <Card>
          <InlineStack gap="300" wrap>
            <TextField label="Search" placeholder="Email or name" value={search} onChange={setSearch} autoComplete="off" />
            <Select
              label="State"
              options={[
                { label: 'All', value: '' },
                { label: 'Active', value: 'active' },
                { label: 'Excluded', value: 'excluded' },
              ]}
              value={filters.state ?? ''}
              onChange={set('state')}
            />
            <TextField label="Balance from" type="number" value={String(filters.balance_min ?? '')} onChange={set('balance_min')} autoComplete="off" />
            <TextField label="Balance to" type="number" value={String(filters.balance_max ?? '')} onChange={set('balance_max')} autoComplete="off" />
            <Select label="Sort" options={SORTS} value={filters.sort ?? '-last_activity_at'} onChange={set('sort')} />
          </InlineStack>
        </Card>
        <ListCard<Member>
          title="customers"
          empty="No members match"
          headings={['Customer', 'Email', 'Balance', 'Pending', 'State']}
          {...pages}
          onOpen={(member) => navigate(`/customers/${member.id}`)}
          row={(member) => [
            // Long names and emails break inside their column, so the balance stays in view.
            <Wrapping key="name" text={memberName(member)} width="16rem" />,
            <Wrapping key="email" text={member.email ?? ''} width="18rem" />,
            formatNumber(member.balance),
            formatNumber(member.pending),
            member.state === 'excluded' ? <Badge key="s">Excluded</Badge> : <Badge key="s" tone="success">Active</Badge>,
          ]}
        />
      </BlockStack>
    </Page>
  );
}

function Wrapping({ text, width }: { text: string; width: string }) {
  return (
    <div style={{ whiteSpace: 'normal', maxWidth: width }}>
      <Text as="span" breakWord>
        {text}
      </Text>
    </div>
  );
}
