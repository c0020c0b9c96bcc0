import { NotFoundMessage } from '@/components/layout/not-found-message';

/** An address no route matches: shown alone, so it is the page's main landmark. */
export default function NotFound() {
  return (
    <main>
      <NotFoundMessage />
    </main>
  );
}
