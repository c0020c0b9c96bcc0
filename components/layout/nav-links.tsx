'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

export interface NavLink {
  href: string;
  label: string;
}

const isUnder = (pathname: string, href: string) => (href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`));

/**
 * Pages reached from a section without a link of their own in the header: a
 * deployment belongs to its environment.
 */
const SECTION_OF: [prefix: string, section: string][] = [['/deployments', '/environments']];

/** The one link of `links` that the page at `pathname` belongs to: the longest that contains it, else its section's. */
export function currentLink(pathname: string, links: NavLink[]): NavLink | undefined {
  const longest = (path: string) =>
    links.filter((l) => isUnder(path, l.href)).sort((a, b) => b.href.length - a.href.length)[0] as NavLink | undefined;
  const own = longest(pathname);
  if (own) return own;
  const section = SECTION_OF.find(([prefix]) => isUnder(pathname, prefix));
  return section ? longest(section[1]) : undefined;
}

/** The header's links, the current one marked for sight and for screen readers. */
export function NavLinks({ links, label, className = '' }: { links: NavLink[]; label: string; className?: string }) {
  const pathname = usePathname();
  const marked = currentLink(pathname, links);
  return (
    <nav aria-label={label} className={`flex items-center gap-4 whitespace-nowrap text-sm ${className}`}>
      {links.map((link) => {
        const current = link === marked;
        return (
          <Link
            key={link.href}
            href={link.href}
            aria-current={current ? 'page' : undefined}
            className={
              current
                ? 'font-medium text-zinc-900 underline decoration-sky-500 decoration-2 underline-offset-[1.1rem] dark:text-white'
                : 'text-zinc-600 hover:text-zinc-900 dark:text-zinc-300 dark:hover:text-white'
            }
          >
            {link.label}
          </Link>
        );
      })}
    </nav>
  );
}
