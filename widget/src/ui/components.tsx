/** Small building blocks in Zoho CRM's light style. All text is rendered as text (escaped by Preact). */
import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatDateTime, formatRelative } from './format';

export function Card(props: {
  id: string;
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
  headingRef?: { current: HTMLHeadingElement | null };
}) {
  return (
    <section class="card" aria-labelledby={`${props.id}-title`}>
      <header class="card-header">
        <h2 id={`${props.id}-title`} class="card-title" tabIndex={-1} ref={props.headingRef}>
          {props.title}
        </h2>
        {props.actions ? <div class="card-actions">{props.actions}</div> : null}
      </header>
      <div class="card-body">{props.children}</div>
    </section>
  );
}

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'class'> & {
  variant?: 'primary' | 'secondary' | 'danger' | 'danger-solid' | 'link';
  busy?: boolean;
  busyLabel?: string;
};

export function Button({
  variant = 'secondary',
  busy = false,
  busyLabel,
  children,
  disabled,
  type,
  ...rest
}: ButtonProps) {
  return (
    <button
      {...rest}
      type={type ?? 'button'}
      class={`btn btn-${variant}`}
      disabled={disabled || busy}
      aria-busy={busy ? 'true' : undefined}
    >
      {busy ? <Spinner /> : null}
      <span>{busy && busyLabel ? busyLabel : children}</span>
    </button>
  );
}

export function Spinner() {
  return <span class="spinner" aria-hidden="true" />;
}

export function Alert(props: {
  tone: 'error' | 'info' | 'success' | 'warning';
  children: ComponentChildren;
  id?: string;
  /** Moves keyboard focus to the message when it appears (after an action replaced the form). */
  focusOnMount?: boolean;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (props.focusOnMount) ref.current?.focus();
  }, [props.focusOnMount]);
  return (
    <div
      ref={ref}
      id={props.id}
      class={`alert alert-${props.tone}`}
      role={props.tone === 'error' ? 'alert' : 'status'}
      tabIndex={props.focusOnMount ? -1 : undefined}
    >
      {props.children}
    </div>
  );
}

export function Badge(props: {
  tone: 'success' | 'neutral' | 'warning' | 'error';
  children: ComponentChildren;
}) {
  return <span class={`badge badge-${props.tone}`}>{props.children}</span>;
}

export interface Option {
  value: string;
  label: string;
}

/** A labelled select with its hint and error, wired for screen readers. */
export function SelectField(props: {
  id: string;
  label: string;
  value: string;
  options: readonly Option[];
  placeholder: string;
  onChange: (value: string) => void;
  hint?: ComponentChildren;
  error?: string | null | undefined;
  disabled?: boolean;
  /** Shown after the select (e.g. "Create a field for me"). */
  action?: ComponentChildren;
}) {
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  const errorId = props.error ? `${props.id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${props.error ? ' field-invalid' : ''}`}>
      <label class="field-label" for={props.id}>
        {props.label}
      </label>
      <div class="field-control">
        <select
          id={props.id}
          name={props.id}
          value={props.value}
          disabled={props.disabled}
          aria-invalid={props.error ? 'true' : undefined}
          aria-describedby={describedBy}
          onChange={(e) => props.onChange(e.currentTarget.value)}
        >
          <option value="">{props.placeholder}</option>
          {props.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        {props.action}
      </div>
      {props.hint ? (
        <p id={hintId} class="field-hint">
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p id={errorId} class="field-error">
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

/** A read-only value with a copy button; falls back to selecting the text. */
export function CopyField(props: { id: string; label: string; value: string; hint?: ComponentChildren }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 2500);
    return () => clearTimeout(t);
  }, [state]);
  async function copy() {
    try {
      await navigator.clipboard.writeText(props.value);
      setState('copied');
    } catch {
      inputRef.current?.select();
      setState('failed');
    }
  }
  return (
    <div class="field">
      <label class="field-label" for={props.id}>
        {props.label}
      </label>
      <div class="field-control">
        <input
          ref={inputRef}
          id={props.id}
          class="mono"
          type="text"
          readOnly
          value={props.value}
          aria-describedby={props.hint ? `${props.id}-hint` : undefined}
          onFocus={(e) => e.currentTarget.select()}
        />
        <Button onClick={copy}>Copy</Button>
      </div>
      <p class="field-hint copy-status" role="status">
        {state === 'copied'
          ? 'Copied to the clipboard.'
          : state === 'failed'
            ? 'Press Ctrl+C (⌘C) to copy the selected URL.'
            : ''}
      </p>
      {props.hint ? (
        <p id={`${props.id}-hint`} class="field-hint">
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

const URL_PATTERN = /https?:\/\/[^\s<>"']+/g;

/** Untrusted text with its http(s) URLs as links; everything else stays plain text. */
export function LinkifiedText({ text }: { text: string }) {
  const parts: ComponentChildren[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = match[0].replace(/[.,;:!?)]+$/, '');
    const start = match.index;
    if (start > last) parts.push(text.slice(last, start));
    parts.push(
      <a key={start} href={url} target="_blank" rel="noopener noreferrer">
        {url}
      </a>,
    );
    last = start + url.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return <>{parts}</>;
}

/**
 * An action waiting for confirmation, shown in place (the widget lives in a CRM frame, where a
 * browser dialog would be out of place): says what will happen, takes the keyboard, Escape cancels.
 */
export function ConfirmPanel(props: {
  id: string;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  cancelLabel?: string;
  tone?: 'danger' | 'primary';
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <div
      ref={ref}
      class="confirm"
      role="alertdialog"
      aria-labelledby={`${props.id}-title`}
      aria-describedby={`${props.id}-body`}
      tabIndex={-1}
      onKeyDown={(e) => {
        if (e.key === 'Escape') props.onCancel();
      }}
    >
      <p id={`${props.id}-title`} class="confirm-title">
        {props.title}
      </p>
      <div id={`${props.id}-body`} class="confirm-body">
        {props.children}
      </div>
      <div class="actions">
        <Button variant={props.tone === 'primary' ? 'primary' : 'danger-solid'} onClick={props.onConfirm}>
          {props.confirmLabel}
        </Button>
        <Button onClick={props.onCancel}>{props.cancelLabel ?? 'Cancel'}</Button>
      </div>
    </div>
  );
}

/** "2 minutes ago", kept current while shown, with the exact time for assistive technology and hover. */
export function TimeAgo({ iso, refreshMs = 30_000 }: { iso: string; refreshMs?: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs]);
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatRelative(iso, now)}
    </time>
  );
}
