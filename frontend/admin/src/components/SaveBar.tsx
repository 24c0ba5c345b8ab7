// The contextual save bar for a dirty form: App Bridge's `ui-save-bar` in the admin, and the
// same two buttons inline where App Bridge has no save bar (tests, devshop's stand-in today).
import { Box, Button, InlineStack, Text } from '@shopify/polaris';
import { useEffect } from 'react';
import { hasSaveBar, saveBarShow } from './appBridge';

// App Bridge reads these attributes on the save bar's buttons; React's <button> type lacks them.
const primary = { variant: 'primary' } as Record<string, string>;

interface Props {
  id: string;
  open: boolean;
  saving: boolean;
  onSave(): void;
  onDiscard(): void;
}

export function SaveBar({ id, open, saving, onSave, onDiscard }: Props) {
  const native = hasSaveBar();
  useEffect(() => {
    if (!native) return;
    saveBarShow(id, open);
    return () => saveBarShow(id, false);
  }, [id, open, native]);

  if (native) {
    return (
      <ui-save-bar id={id}>
        <button {...primary} {...(saving ? { loading: '' } : {})} onClick={onSave}></button>
        <button onClick={onDiscard}></button>
      </ui-save-bar>
    );
  }
  if (!open) return null;
  return (
    <Box padding="300" background="bg-surface-secondary" borderRadius="200">
      <InlineStack align="space-between" blockAlign="center">
        <Text as="p">Unsaved changes</Text>
        <InlineStack gap="200">
          <Button onClick={onDiscard} disabled={saving}>
            Discard
          </Button>
          <Button variant="primary" onClick={onSave} loading={saving}>
            Save
          </Button>
        </InlineStack>
      </InlineStack>
    </Box>
  );
}
