import { readProperties } from './property-collector.js';
import type { VsphereSession } from './session.js';
import { asArray, child, isNode, text, type MoRef, type XmlValue } from './xml.js';

export type EntityStatus = 'gray' | 'green' | 'yellow' | 'red';

export interface TriggeredAlarm {
  alarm: string;
  status: EntityStatus;
  time: string | null;
  acknowledged: boolean;
}

/** A host's overall status (vCenter's roll-up of its alarms and health) and the alarms that fired on it. */
export interface HostHealth {
  overallStatus: EntityStatus;
  alarms: TriggeredAlarm[];
}

function alarmOf(node: XmlValue): TriggeredAlarm | null {
  if (!isNode(node)) return null;
  return {
    alarm: text(child(node, 'alarm')) ?? 'unknown',
    status: (text(child(node, 'overallStatus')) as EntityStatus | undefined) ?? 'gray',
    time: text(child(node, 'time')) ?? null,
    acknowledged: text(child(node, 'acknowledged')) === 'true',
  };
}

export async function readHostHealth(session: VsphereSession, host: MoRef): Promise<HostHealth> {
  const p = await readProperties(session, host, ['overallStatus', 'triggeredAlarmState']);
  const raw = p.get('triggeredAlarmState');
  const items = Array.isArray(raw) ? (raw as XmlValue[]) : asArray(raw as XmlValue | undefined);
  return {
    overallStatus: (p.get('overallStatus') as EntityStatus | undefined) ?? 'gray',
    alarms: items.map(alarmOf).filter((a): a is TriggeredAlarm => a !== null),
  };
}
