'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

export interface NavLink {
  href: string;
  label: string;
}

const isCurrent = (pathname: string, href: string) => (href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`));

/** The header's links, the current one marked for sight and for screen readers. */
export function NavLinks({ links, label, className = '' }: { links: NavLink[]; label: string; className?: string }) {
  const pathname = usePathname();
  return (
    <nav aria-label={label} className={`flex items-center gap-4 whitespace-nowrap text-sm ${className}`}>
      {links.map((link) => {
        const current = isCurrent(pathname, link.href);
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
