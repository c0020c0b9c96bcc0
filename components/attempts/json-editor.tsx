'use client';

import { useEffect, useRef } from 'react';
import { basicSetup } from 'codemirror';
import { json } from '@codemirror/lang-json';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { checkInputsText } from '@/lib/inputs-check';
import { useDark } from '../layout/use-dark';

const light = [
  EditorView.theme({
    '&': { color: 'rgb(24 24 27)', backgroundColor: '#fff', border: '1px solid rgb(212 212 216)' },
    '.cm-gutters': { backgroundColor: 'rgb(250 250 250)', color: 'rgb(113 113 122)', borderRight: '1px solid rgb(228 228 231)' },
  }),
];

// The editor's own colours in the dark theme (CodeMirror's defaults are for a white page).
const dark = [
  EditorView.theme(
    {
      '&': { color: 'rgb(228 228 231)', backgroundColor: 'rgb(24 24 27)', border: '1px solid rgb(63 63 70)' },
      '.cm-content': { caretColor: 'rgb(244 244 245)' },
      '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'rgb(244 244 245)' },
      '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': { backgroundColor: 'rgb(7 89 133 / 0.6)' },
      '.cm-activeLine': { backgroundColor: 'rgb(39 39 42 / 0.6)' },
      '.cm-gutters': { backgroundColor: 'rgb(24 24 27)', color: 'rgb(161 161 170)', borderRight: '1px solid rgb(63 63 70)' },
      '.cm-activeLineGutter': { backgroundColor: 'rgb(39 39 42)' },
      '.cm-matchingBracket, &.cm-focused .cm-matchingBracket': { backgroundColor: 'rgb(63 63 70)', outline: 'none' },
      '.cm-tooltip': { backgroundColor: 'rgb(39 39 42)', color: 'rgb(228 228 231)', border: '1px solid rgb(63 63 70)' },
      '.cm-panels': { backgroundColor: 'rgb(39 39 42)', color: 'rgb(228 228 231)' },
    },
    { dark: true },
  ),
  syntaxHighlighting(
    HighlightStyle.define([
      { tag: tags.propertyName, color: 'rgb(125 211 252)' },
      { tag: tags.string, color: 'rgb(134 239 172)' },
      { tag: tags.number, color: 'rgb(253 186 116)' },
      { tag: [tags.bool, tags.null], color: 'rgb(216 180 254)' },
      { tag: [tags.punctuation, tags.separator, tags.brace, tags.squareBracket], color: 'rgb(161 161 170)' },
      { tag: tags.invalid, color: 'rgb(252 165 165)' },
    ]),
  ),
];

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
  const editor = useRef<EditorView | null>(null);
  const theme = useRef(new Compartment());
  const isDark = useDark();
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
          theme.current.of(document.documentElement.classList.contains('dark') ? dark : light),
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
            '&': { fontSize: '13px', borderRadius: '6px' },
            '.cm-scroller': { fontFamily: 'var(--font-mono)', minHeight: '12rem', maxHeight: '28rem' },
          }),
        ],
      }),
    });
    editor.current = view;
    return () => {
      editor.current = null;
      view.destroy();
    };
    // The editor owns its text after creation; initialText only seeds it.
  }, []);

  // The theme toggle switches the editor's colours too, keeping its text and cursor.
  useEffect(() => {
    editor.current?.dispatch({ effects: theme.current.reconfigure(isDark ? dark : light) });
  }, [isDark]);

  return <div ref={host} data-theme={isDark ? 'dark' : 'light'} className="overflow-hidden rounded-md" />;
}
