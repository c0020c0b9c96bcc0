'use client';

import { useEffect, useRef } from 'react';
import { basicSetup } from 'codemirror';
import { json } from '@codemirror/lang-json';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { checkInputsText } from '@/lib/inputs-check';

interface Props {
  initialText: string;
  schema: Record<string, unknown> | null;
  label: string;
  onChange: (text: string) => void;
}

/**
 * CodeMirror for JSON inputs, with the same checks as the form (syntax, then
 * the step's inputSchema) drawn at the right place as you type. Loaded only by
 * the pages that edit inputs.
 */
export default function JsonEditor({ initialText, schema, label, onChange }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const onChangeRef = useRef(onChange);
  useEffect(() => {
    onChangeRef.current = onChange;
  });

  useEffect(() => {
    const view = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: initialText,
        extensions: [
          basicSetup,
          json(),
          lintGutter(),
          linter(
            (v): Diagnostic[] =>
              checkInputsText(v.state.doc.toString(), schema).map((p) => ({
                from: Math.min(p.from, v.state.doc.length),
                to: Math.min(p.to, v.state.doc.length),
                severity: 'error',
                message: p.message,
              })),
            { delay: 150 },
          ),
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChangeRef.current(u.state.doc.toString());
          }),
          EditorView.theme({
            '&': { fontSize: '13px', border: '1px solid rgb(212 212 216)', borderRadius: '6px' },
            '.cm-scroller': { fontFamily: 'var(--font-mono)', minHeight: '12rem', maxHeight: '28rem' },
          }),
        ],
      }),
    });
    return () => view.destroy();
    // The editor owns its text after creation; initialText only seeds it.
  }, []);

  return <div ref={host} className="overflow-hidden rounded-md bg-white text-zinc-900 dark:[&_.cm-editor]:bg-zinc-50" />;
}
