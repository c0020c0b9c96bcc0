import { NotFoundMessage } from '@/components/layout/not-found-message';

/** A run, step or pipeline that does not exist: inside the app's layout, whose <main> already holds it. */
export default function NotFound() {
  return <NotFoundMessage />;
}
