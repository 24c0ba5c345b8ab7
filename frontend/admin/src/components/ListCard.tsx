// A card holding one cursor-paginated IndexTable: loading (a skeleton first, then the last rows
// with the table's spinner while a filter's rows load; both announced), empty and error states,
// and the previous/next buttons. Rows render text only (names are never HTML).
import { Banner, Card, EmptyState, IndexTable, Pagination, SkeletonBodyText, Text } from '@shopify/polaris';
import { type ReactNode, useEffect, useRef } from 'react';
import type { Page } from '../adminApi';
import type { Load } from './useLoad';

interface Props<T extends { id: number }> {
  title: string;
  load: Load<Page<T>>;
  headings: string[];
  row(item: T, index: number): ReactNode[];
  next?: () => void;
  previous?: () => void;
  empty: string;
  onOpen?: (item: T) => void;
}

export function ListCard<T extends { id: number }>(props: Props<T>) {
  const { load, headings, row, next, previous, empty, onOpen, title } = props;
  // Polaris' IndexTable scrolls sideways on a narrow screen in a container that keyboard users
  // cannot reach (axe: scrollable-region-focusable); make it a focusable, labelled region.
  const table = useRef<HTMLDivElement>(null);
  useEffect(() => {
    table.current?.querySelectorAll<HTMLElement>('.Polaris-IndexTable-ScrollContainer').forEach((el) => {
      el.tabIndex = 0;
      el.setAttribute('role', 'region');
      el.setAttribute('aria-label', title);
    });
  });
  const busy = load.state === 'loading' || (load.state === 'loaded' && !!load.refreshing);
  // Said, not only drawn: the skeleton's bars and the table's spinner tell a screen reader nothing.
  const status = (
    <div role="status">
      {busy ? (
        <Text as="span" visuallyHidden>
          {`Loading ${title}…`}
        </Text>
      ) : null}
    </div>
  );
  if (load.state === 'loading') {
    return (
      <Card>
        {status}
        <SkeletonBodyText lines={5} />
      </Card>
    );
  }
  if (load.state === 'error') return <Banner tone="critical" title={`Could not load ${title}`}>{load.message}</Banner>;
  const items = load.data.results;
  if (items.length === 0 && !previous) {
    return (
      <Card>
        {status}
        <EmptyState heading={empty} image="">
          <p />
        </EmptyState>
      </Card>
    );
  }
  return (
    <Card padding="0">
      {status}
      <div ref={table}>
      <IndexTable
        resourceName={{ singular: title, plural: title }}
        itemCount={items.length}
        headings={headings.map((h) => ({ title: h })) as [{ title: string }, ...{ title: string }[]]}
        selectable={false}
        loading={busy}
      >
        {items.map((item, index) => (
          <IndexTable.Row id={String(item.id)} key={item.id} position={index} onClick={onOpen ? () => onOpen(item) : undefined}>
            {row(item, index).map((cell, i) => (
              <IndexTable.Cell key={i}>{cell}</IndexTable.Cell>
            ))}
          </IndexTable.Row>
        ))}
      </IndexTable>
      </div>
      {(next || previous) && (
        <Pagination hasNext={!!next} onNext={next} hasPrevious={!!previous} onPrevious={previous} />
      )}
    </Card>
  );
}
