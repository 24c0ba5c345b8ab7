/** @jsxImportSource preact */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { errorKey } from '../model';
import { useEnv } from './context';

/** A view's heading; it takes focus when the view opens, so keyboard users land on it. */
export function ViewTitle({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const { preview } = useEnv();
  useEffect(() => {
    if (!preview) ref.current?.focus();
  }, []);
  return (
    <h3 class="lly-h3" tabIndex={-1} ref={ref}>
      {children}
    </h3>
  );
}

export function ErrorText({ error }: { error: unknown }) {
  const { i18n } = useEnv();
  if (!error) return null;
  // Localised by the error's code when the locale files know it; else the server's sentence
  // (English), else a generic line.
  const key = error instanceof ApiError ? errorKey(error.code) : null;
  const message = key
    ? i18n.t(key)
    : error instanceof ApiError && error.message
      ? error.message
      : i18n.t('error_generic');
  return (
    <p class="lly-error" role="alert">
      {message}
    </p>
  );
}

/** Copy a code (or a link) to the clipboard; says "Copied" (and announces it) when done. */
export function CopyButton({ code, label }: { code: string; label?: string }) {
  const { i18n, announce } = useEnv();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(code);
    } catch {
      // No clipboard permission: the code stays selectable text beside the button.
    }
    setCopied(true);
    announce(i18n.t('copied'));
  };
  return (
    <button
      type="button"
      class="lly-btn2"
      onClick={copy}
      aria-label={label ? undefined : `${i18n.t('copy')} ${code}`}
    >
      {copied ? i18n.t('copied') : label || i18n.t('copy')}
    </button>
  );
}
