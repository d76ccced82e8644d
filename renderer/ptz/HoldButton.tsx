import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { HeldCommands, PTZ_COMMANDS, type PtzCommandContext, type PtzCommandId } from './commands';

interface Props {
  command: PtzCommandId;
  context: () => PtzCommandContext;
  disabled?: boolean;
  className?: string;
  label: string;
  testId?: string;
  children: ReactNode;
}

/**
 * A button bound to a command. A held command acts from pointer-down to pointer-up (or Enter /
 * Space down to up, key repeat ignored); the pointer is captured so sliding off the button does
 * not lose the release. Works the same for mouse, pen and touch.
 */
export function HoldButton({ command, context, disabled, className, label, testId, children }: Props) {
  const held = useMemo(() => new HeldCommands(), []);
  const [down, setDown] = useState(false);
  const cmd = PTZ_COMMANDS[command];
  useEffect(() => () => held.releaseAll(), [held]);
  useEffect(() => {
    if (disabled) {
      held.releaseAll();
      setDown(false);
    }
  }, [disabled, held]);
  const press = () => {
    held.press('btn', command, context());
    if (cmd.hold) setDown(true);
  };
  const release = () => {
    held.release('btn');
    setDown(false);
  };
  return (
    <button
      type="button"
      className={`${className ?? ''}${down ? ' held' : ''}`}
      disabled={disabled}
      aria-label={label}
      title={label}
      data-testid={testId}
      data-command={command}
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        e.currentTarget.setPointerCapture(e.pointerId);
        press();
      }}
      onPointerUp={release}
      onPointerCancel={release}
      onLostPointerCapture={release}
      onKeyDown={(e) => {
        if (e.key !== 'Enter' && e.key !== ' ') return;
        e.preventDefault();
        if (!e.repeat) press();
      }}
      onKeyUp={(e) => {
        if (e.key === 'Enter' || e.key === ' ') release();
      }}
      onBlur={release}
      onContextMenu={(e) => e.preventDefault()}
    >
      {children}
    </button>
  );
}
