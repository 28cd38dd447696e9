/** Keeps the host's frame as tall as the widget's content (ZOHO.CRM.UI.Resize through the Host). */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { Host } from '../host/host';

export function HostFrame({ host, children }: { host: Host | undefined; children: ComponentChildren }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!host || !el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => host.resize(el.getBoundingClientRect().height));
    observer.observe(el);
    return () => observer.disconnect();
  }, [host]);
  return (
    <div ref={ref} class="host-frame">
      {children}
    </div>
  );
}
