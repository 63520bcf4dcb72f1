import type { Channel } from './channel';
import type { CallEngine } from './engine';

/**
 * The variables mod_sofia puts on its channels, in the order the captures show. They make simulated events as large
 * and as varied as real ones (a real channel event averages ~3.5 KB), which matters for parser and load tests.
 */

let mediaPort = 16384;
const nextMediaPort = (): number => {
  mediaPort += 2;
  if (mediaPort > 32766) mediaPort = 16386;
  return mediaPort;
};

function sdp(ip: string, port: number, sessionId: number): string {
  return (
    `v=0\r\no=FreeSWITCH ${sessionId} ${sessionId + 1} IN IP4 ${ip}\r\ns=FreeSWITCH\r\nc=IN IP4 ${ip}\r\nt=0 0\r\n` +
    `m=audio ${port} RTP/AVP 102 9 0 8 104 101\r\na=rtpmap:102 opus/48000/2\r\n` +
    `a=fmtp:102 useinbandfec=1; maxaveragebitrate=30000; maxplaybackrate=48000; ptime=20; minptime=10; maxptime=40\r\n` +
    `a=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:104 telephone-event/48000\r\n` +
    `a=fmtp:104 0-16\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n` +
    `a=rtcp:${port + 1} IN IP4 ${ip}\r\n`
  );
}

/** Variables of an outbound sofia leg (originate to user/ or a gateway), from the bgapi-failures capture. */
export function sofiaOutboundVars(
  channelName: string,
  destinationUrl: string,
  toHost: string,
  engine: CallEngine,
  profile = 'internal',
): Array<[string, string]> {
  const port = nextMediaPort();
  const localIp = '127.0.0.1';
  const sid = Math.floor(engine.clock.now() / 1000) - 16384;
  return [
    ['sip_local_network_addr', localIp],
    ['sip_profile_name', profile],
    ['text_media_flow', 'disabled'],
    ['channel_name', channelName],
    ['sip_destination_url', destinationUrl],
    ['originate_early_media', 'true'],
    ['originate_endpoint', 'sofia'],
    ['rtp_use_codec_string', 'OPUS,G722,PCMU,PCMA,H264,VP8'],
    ['local_media_ip', localIp],
    ['local_media_port', String(port)],
    ['advertised_media_ip', localIp],
    ['audio_media_flow', 'sendrecv'],
    ['local_video_ip', localIp],
    ['local_video_port', String(port + 34)],
    ['video_media_flow', 'sendrecv'],
    ['rtp_local_sdp_str', sdp(localIp, port, sid)],
    ['sip_outgoing_contact_uri', `<sip:mod_sofia@${localIp}:${profile === 'external' ? 5080 : 5060}>`],
    ['sip_req_uri', destinationUrl.replace(/^sip:/, '')],
    ['sip_to_host', toHost],
    ['sip_from_host', localIp],
    ['sofia_profile_name', profile],
    ['recovery_profile_name', profile],
    ['sofia_profile_url', `sip:mod_sofia@${localIp}:${profile === 'external' ? 5080 : 5060}`],
  ];
}

/** Variables mod_sofia adds once the INVITE is on its way (after CHANNEL_CREATE). */
export function sofiaInviteSent(ch: Channel, engine: CallEngine): void {
  ch.vars.set('sip_call_id', engine.newUuid());
  ch.vars.set('sip_local_network_addr', '127.0.0.1');
}

/** Variables of an inbound call from a carrier on the `external` profile (set before the dialplan runs). */
export function sofiaInboundVars(opts: {
  from: string;
  fromName: string;
  to: string;
  networkIp: string;
  engine: CallEngine;
}): Array<[string, string]> {
  const port = nextMediaPort();
  const remotePort = 20000 + (port % 10000);
  const sid = Math.floor(opts.engine.clock.now() / 1000) - 7200;
  const callId = opts.engine.newUuid();
  return [
    ['sip_from_user', opts.from],
    ['sip_from_uri', `${opts.from}@${opts.networkIp}`],
    ['sip_from_host', opts.networkIp],
    ['text_media_flow', 'disabled'],
    ['sip_local_network_addr', '127.0.0.1'],
    ['sip_network_ip', opts.networkIp],
    ['sip_network_port', '5060'],
    ['sip_invite_stamp', String(opts.engine.nowUs())],
    ['sip_received_ip', opts.networkIp],
    ['sip_received_port', '5060'],
    ['sip_via_protocol', 'udp'],
    ['sip_from_user_stripped', opts.from],
    ['sofia_profile_name', 'external'],
    ['recovery_profile_name', 'external'],
    ['sofia_profile_url', 'sip:mod_sofia@127.0.0.1:5080'],
    ['sip_full_via', `SIP/2.0/UDP ${opts.networkIp}:5060;branch=z9hG4bK${callId.slice(0, 8)};rport=5060`],
    ['sip_from_display', opts.fromName || opts.from],
    ['sip_full_from', `"${opts.fromName || opts.from}" <sip:${opts.from}@${opts.networkIp}>;tag=${callId.slice(9, 18)}`],
    ['sip_full_to', `<sip:${opts.to}@127.0.0.1>`],
    ['sip_allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, PRACK, UPDATE, INFO'],
    ['sip_req_user', opts.to],
    ['sip_req_uri', `${opts.to}@127.0.0.1`],
    ['sip_req_host', '127.0.0.1'],
    ['sip_to_user', opts.to],
    ['sip_to_uri', `${opts.to}@127.0.0.1`],
    ['sip_to_host', '127.0.0.1'],
    ['sip_contact_user', opts.from],
    ['sip_contact_port', '5060'],
    ['sip_contact_uri', `${opts.from}@${opts.networkIp}:5060`],
    ['sip_contact_host', opts.networkIp],
    ['sip_via_host', opts.networkIp],
    ['sip_via_port', '5060'],
    ['sip_via_rport', '5060'],
    ['sip_call_id', callId],
    ['switch_r_sdp', sdp(opts.networkIp, remotePort, sid)],
    ['rtp_remote_audio_rtcp_port', String(remotePort + 1)],
    ['rtp_audio_recv_pt', '0'],
    ['rtp_use_codec_name', 'PCMU'],
    ['rtp_use_codec_rate', '8000'],
    ['rtp_use_codec_ptime', '20'],
    ['rtp_use_codec_channels', '1'],
    ['rtp_last_audio_codec_string', 'PCMU@8000h@20i@1c'],
    ['original_read_codec', 'PCMU'],
    ['original_read_rate', '8000'],
    ['dtmf_type', 'rfc2833'],
    ['local_media_ip', '127.0.0.1'],
    ['local_media_port', String(port)],
    ['advertised_media_ip', '127.0.0.1'],
    ['rtp_use_pt', '0'],
    ['rtp_use_ssrc', String(1000000000 + (port * 7919) % 999999999)],
    ['rtp_2833_send_payload', '101'],
    ['rtp_2833_recv_payload', '101'],
    ['remote_media_ip', opts.networkIp],
    ['remote_media_port', String(remotePort)],
  ];
}
