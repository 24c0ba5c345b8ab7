// Adjust a member's points: the amount (negative deducts), a reason for staff and an optional
// note the customer sees, then a confirmation. One Idempotency-Key per opening, so a retried
// submission never adjusts twice.
import { Banner, BlockStack, FormLayout, Modal, Text, TextField } from '@shopify/polaris';
import { useMemo, useState } from 'react';
import { idempotencyKey } from '../../../launcher/src/api';
import { adminApi, type PointsAdjustmentResult } from '../adminApi';
import { errorMessage, fieldErrors, type FieldErrors } from './errors';

interface Props {
  memberId: number;
  memberName: string;
  onClose(): void;
  onDone(result: PointsAdjustmentResult): void;
}

export function AdjustPointsModal({ memberId, memberName, onClose, onDone }: Props) {
  const key = useMemo(idempotencyKey, []);
  const [points, setPoints] = useState('');
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [saving, setSaving] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [banner, setBanner] = useState<string | null>(null);
  const amount = Number.parseInt(points, 10);

  async function submit() {
    setSaving(true);
    try {
      onDone(await adminApi.memberAdjust(memberId, key, { points: amount, reason, note }));
    } catch (error) {
      const found = fieldErrors(error);
      setErrors(found);
      setBanner(Object.keys(found).length ? null : errorMessage(error));
      setConfirming(false);
    } finally {
      setSaving(false);
    }
  }

  const verb = amount < 0 ? `Deduct ${-amount}` : `Add ${amount}`;
  return (
    <Modal
      open
      onClose={onClose}
      title="Adjust points"
      primaryAction={
        confirming
          ? { content: 'Confirm', onAction: submit, loading: saving }
          : { content: 'Review', onAction: () => setConfirming(true), disabled: !points || !reason }
      }
      secondaryActions={[{ content: confirming ? 'Back' : 'Cancel', onAction: confirming ? () => setConfirming(false) : onClose }]}
    >
      <Modal.Section>
        <BlockStack gap="300">
          {banner && <Banner tone="critical">{banner}</Banner>}
          {confirming ? (
            <BlockStack gap="200">
              <Text as="p">{`${verb} points for ${memberName}? Reason: ${reason}`}</Text>
              <Text as="p" tone="subdued">
                {note ? `The customer sees: “${note}”` : 'The customer sees no note.'}
              </Text>
            </BlockStack>
          ) : (
            <FormLayout>
              <TextField label="Points" type="number" helpText="Negative to deduct." value={points} onChange={setPoints} error={errors.points} autoComplete="off" />
              <TextField label="Reason (staff only)" value={reason} onChange={setReason} error={errors.reason} autoComplete="off" />
              <TextField label="Note to the customer (optional)" value={note} onChange={setNote} error={errors.note} autoComplete="off" />
            </FormLayout>
          )}
        </BlockStack>
      </Modal.Section>
    </Modal>
  );
}
