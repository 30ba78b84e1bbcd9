import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineKind, type DocumentSplit, type LineParser } from '../format.js';
import { columnNames, hiveType, type ColumnType } from '../schema.js';
import { cloudtrail, isValidEventTime, topLevelEventTime } from './cloudtrail.js';

// ---------------------------------------------------------------------------------------------
// AWS's documented example records (CloudTrail User Guide: "CloudTrail log file examples",
// "AWS console sign-in events"; IAM User Guide: STS API event; Insights record contents).

/** "Error code and message log example". */
const UPDATE_TRAIL_ERROR = {
  eventVersion: '1.04',
  userIdentity: {
    type: 'IAMUser',
    principalId: 'EX_PRINCIPAL_ID',
    arn: 'arn:aws:iam::123456789012:user/Alice',
    accountId: '123456789012',
    accessKeyId: 'EXAMPLE_KEY_ID',
    userName: 'Alice',
  },
  eventTime: '2016-07-14T19:15:45Z',
  eventSource: 'cloudtrail.amazonaws.com',
  eventName: 'UpdateTrail',
  awsRegion: 'us-east-2',
  sourceIPAddress: '205.251.233.182',
  userAgent: 'aws-cli/1.10.32 Python/2.7.9 Windows/7 botocore/1.4.22',
  errorCode: 'TrailNotFoundException',
  errorMessage: 'Unknown trail: myTrail2 for the user: 123456789012',
  requestParameters: { name: 'myTrail2' },
  responseElements: null,
  requestID: '5d40662a-49f7-11e6-97e4-d9cb6ff7d6a3',
  eventID: 'b7d4398e-b2f0-4faa-9c76-e2d316a8d67f',
  eventType: 'AwsApiCall',
  recipientAccountId: '123456789012',
};

/** "Amazon EC2 log examples": StartInstances by IAM user Alice, as the documented file text. */
const START_INSTANCES_FILE = `{"Records": [{
    "eventVersion": "1.0",
    "userIdentity": {
        "type": "IAMUser",
        "principalId": "EX_PRINCIPAL_ID",
        "arn": "arn:aws:iam::123456789012:user/Alice",
        "accessKeyId": "EXAMPLE_KEY_ID",
        "accountId": "123456789012",
        "userName": "Alice"
    },
    "eventTime": "2014-03-06T21:22:54Z",
    "eventSource": "ec2.amazonaws.com",
    "eventName": "StartInstances",
    "awsRegion": "us-east-2",
    "sourceIPAddress": "205.251.233.176",
    "userAgent": "ec2-api-tools 1.6.12.2",
    "requestParameters": {"instancesSet": {"items": [{"instanceId": "i-ebeaf9e2"}]}},
    "responseElements": {"instancesSet": {"items": [{
        "instanceId": "i-ebeaf9e2",
        "currentState": {
            "code": 0,
            "name": "pending"
        },
        "previousState": {
            "code": 80,
            "name": "stopped"
        }
    }]}}
}]}`;

/** CreateKeyPair from the console backend: sessionContext attributes, `\u003c` escapes. */
const CREATE_KEY_PAIR_FILE = `{"Records": [{
    "eventVersion": "1.0",
    "userIdentity": {
        "type": "IAMUser",
        "principalId": "EX_PRINCIPAL_ID",
        "arn": "arn:aws:iam::123456789012:user/Alice",
        "accountId": "123456789012",
        "accessKeyId": "EXAMPLE_KEY_ID",
        "userName": "Alice",
        "sessionContext": {"attributes": {
            "mfaAuthenticated": "false",
            "creationDate": "2014-03-06T15:15:06Z"
        }}
    },
    "eventTime": "2014-03-06T17:10:34Z",
    "eventSource": "ec2.amazonaws.com",
    "eventName": "CreateKeyPair",
    "awsRegion": "us-east-2",
    "sourceIPAddress": "72.21.198.64",
    "userAgent": "EC2ConsoleBackend, aws-sdk-java/Linux/x.xx.fleetxen Java_HotSpot(TM)_64-Bit_Server_VM/xx",
    "requestParameters": {"keyName": "mykeypair"},
    "responseElements": {
        "keyName": "mykeypair",
        "keyFingerprint": "30:1d:46:d0:5b:ad:7e:1b:b6:70:62:8b:ff:38:b5:e9:ab:5d:b8:21",
        "keyMaterial": "\\u003csensitiveDataRemoved\\u003e"
    }
}]}`;

/** The documented CreateRole example has a raw line break inside a string: not valid JSON. */
const CREATE_ROLE_BROKEN_FILE = `{"Records": [{"eventVersion": "1.0", "eventTime": "2014-03-25T20:17:37Z",
  "requestParameters": {"assumeRolePolicyDocument": "{\\n  \\"Version\\": \\"2012-10-17\\",\\n  \\"Statement\\": [\\n    {\\n      \\"Sid\\": \\"\\",
            \\n\\"Effect\\": \\"Allow\\"}]}", "roleName": "TestRole"}}]}`;

/** Console sign-in, IAM user, success without MFA. */
const CONSOLE_LOGIN = {
  eventVersion: '1.05',
  userIdentity: {
    type: 'IAMUser',
    principalId: 'AIDACKCEVSQ6C2EXAMPLE',
    arn: 'arn:aws:iam::111122223333:user/anaya',
    accountId: '111122223333',
    userName: 'anaya',
  },
  eventTime: '2018-08-29T16:24:34Z',
  eventSource: 'signin.amazonaws.com',
  eventName: 'ConsoleLogin',
  awsRegion: 'us-east-2',
  sourceIPAddress: '192.0.2.0',
  userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.12; rv:62.0) Gecko/20100101 Firefox/62.0',
  requestParameters: null,
  responseElements: { ConsoleLogin: 'Success' },
  additionalEventData: { MobileVersion: 'No', LoginTo: 'https://console.aws.amazon.com/sns', MFAUsed: 'No' },
  eventID: '3fcfb182-98f8-4744-bd45-10a395ab61cb',
  eventType: 'AwsConsoleSignin',
};

/** Console sign-in, root user, failed. */
const CONSOLE_LOGIN_ROOT_FAILED = {
  eventVersion: '1.05',
  userIdentity: {
    type: 'Root',
    principalId: 'AIDACKCEVSQ6C2EXAMPLE',
    arn: 'arn:aws:iam::111122223333:root',
    accountId: '111122223333',
    accessKeyId: '',
  },
  eventTime: '2018-08-25T18:10:29Z',
  eventSource: 'signin.amazonaws.com',
  eventName: 'ConsoleLogin',
  awsRegion: 'us-east-1',
  sourceIPAddress: '192.0.2.0',
  userAgent:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/68.0.3440.106 Safari/537.36',
  errorMessage: 'Failed authentication',
  requestParameters: null,
  responseElements: { ConsoleLogin: 'Failure' },
  additionalEventData: {
    LoginTo: 'https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true',
    MobileVersion: 'No',
    MFAUsed: 'No',
  },
  eventID: 'a4fbbe77-91a0-4238-804a-64314184edb6',
  eventType: 'AwsConsoleSignIn',
  recipientAccountId: '111122223333',
};

/** STS AssumeRole, cross-account: resources array (`ARN` upper-case, as logged) and sharedEventID. */
const ASSUME_ROLE = {
  eventVersion: '1.08',
  userIdentity: { type: 'AWSAccount', principalId: 'AIDAQRSTUVWXYZEXAMPLE', accountId: '777788889999' },
  eventTime: '2023-07-18T15:07:39Z',
  eventSource: 'sts.amazonaws.com',
  eventName: 'AssumeRole',
  awsRegion: 'us-east-2',
  sourceIPAddress: '192.0.2.101',
  userAgent: 'aws-cli/2.13.5 Python/3.11.4 Linux/4.14.255-314-253.539.amzn2.x86_64 exe/x86_64.amzn.2 prompt/off',
  requestParameters: { roleArn: 'arn:aws:iam::111122223333:role/Admin', roleSessionName: 'SampleSession' },
  responseElements: {
    credentials: { accessKeyId: 'ASIAIOSFODNN7EXAMPLE', sessionToken: '<encoded session token blob>', expiration: 'Jul 18, 2023, 4:07:39 PM' },
    assumedRoleUser: { assumedRoleId: 'AROAIOSFODNN7EXAMPLE:SampleSession', arn: 'arn:aws:sts::111122223333:assumed-role/Admin/SampleSession' },
  },
  requestID: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
  eventID: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE22222',
  readOnly: true,
  resources: [{ ARN: 'arn:aws:iam::111122223333:role/Admin', accountId: '111122223333', type: 'AWS::IAM::Role' }],
  eventType: 'AwsApiCall',
  managementEvent: true,
  recipientAccountId: '111122223333',
  sharedEventID: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE33333',
  eventCategory: 'Management',
  tlsDetails: { tlsVersion: 'TLSv1.2', cipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256', clientProvidedHostHeader: 'sts.us-east-2.amazonaws.com' },
};

/** A call made with web-identity (OIDC) credentials: webIdFederationData with its attributes map. */
const WEB_IDENTITY_CALL = {
  eventVersion: '1.09',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLE:github-actions',
    arn: 'arn:aws:sts::111122223333:assumed-role/deploy/github-actions',
    accountId: '111122223333',
    accessKeyId: 'ASIAEXAMPLE',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLE',
        arn: 'arn:aws:iam::111122223333:role/deploy',
        accountId: '111122223333',
        userName: 'deploy',
      },
      webIdFederationData: {
        federatedProvider: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
        attributes: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'x:count': 3 },
      },
      attributes: { creationDate: '2024-05-01T10:00:00Z', mfaAuthenticated: 'false' },
    },
  },
  eventTime: '2024-05-01T10:00:05Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'PutObject',
  awsRegion: 'eu-west-1',
  readOnly: false,
  resources: [
    { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::amzn-s3-demo-bucket/site/index.html' },
    { accountId: '111122223333', type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::amzn-s3-demo-bucket' },
  ],
  eventID: '0f9a8b7c-6d5e-4f3a-2b1c-0d9e8f7a6b5c',
  eventType: 'AwsApiCall',
  eventCategory: 'Data',
  managementEvent: false,
};

/** Fields of eventVersion 1.09–1.11: inScopeOf, sourceIdentity, assumedRoot, addendum, VPC endpoint, enriched context. */
const MODERN_EVENT = {
  eventVersion: '1.11',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROA123456789EXAMPLE:i-0c1a23fc456b7ab89',
    arn: 'arn:aws:sts::111122223333:assumed-role/app-instance/i-0c1a23fc456b7ab89',
    accountId: '111122223333',
    accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROA123456789EXAMPLE',
        arn: 'arn:aws:iam::111122223333:role/app-instance',
        accountId: '111122223333',
        userName: 'app-instance',
      },
      attributes: { creationDate: '2025-03-27T17:08:37Z', mfaAuthenticated: 'false' },
      ec2RoleDelivery: '2.0',
      sourceIdentity: 'alice',
      assumedRoot: 'false',
    },
    inScopeOf: { issuerType: 'AWS::EC2::Instance', credentialsIssuedTo: 'arn:aws:ec2:eu-west-2:111122223333:instance/i-0c1a23fc456b7ab89' },
  },
  eventTime: '2025-03-27T17:12:54Z',
  eventSource: 'secretsmanager.amazonaws.com',
  eventName: 'GetSecretValue',
  awsRegion: 'eu-west-2',
  sourceIPAddress: '10.0.1.25',
  userAgent: 'aws-sdk-java/2.25.0',
  requestParameters: { secretId: 'arn:aws:secretsmanager:eu-west-2:111122223333:secret:db-password' },
  responseElements: null,
  requestID: '6e8e6b36-9f1c-4f66-9d9d-3f7c0b0a1b2c',
  eventID: 'c5d3a3a2-81a4-4f0e-9a27-0e58e4c5b2a1',
  readOnly: true,
  resources: [{ accountId: '111122223333', type: 'AWS::SecretsManager::Secret', ARN: 'arn:aws:secretsmanager:eu-west-2:111122223333:secret:db-password' }],
  eventType: 'AwsApiCall',
  managementEvent: true,
  recipientAccountId: '111122223333',
  vpcEndpointId: 'vpce-0123456789abcdef0',
  vpcEndpointAccountId: '111122223333',
  eventCategory: 'Management',
  addendum: { reason: 'DELIVERY_DELAY', originalEventID: 'c5d3a3a2-81a4-4f0e-9a27-0e58e4c5b2a1' },
  sessionCredentialFromConsole: 'true',
  tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: 'secretsmanager.eu-west-2.amazonaws.com' },
  eventContext: { tagContext: { resourceTags: [{ arn: 'arn:aws:secretsmanager:eu-west-2:111122223333:secret:db-password', tags: { team: 'payments' } }] } },
};

/** A CloudTrail Insights event (delivered under CloudTrail-Insight/). */
const INSIGHT_EVENT = {
  eventVersion: '1.07',
  eventTime: '2019-11-14T00:51:00Z',
  awsRegion: 'us-east-1',
  eventID: 'a9edc959-9488-4790-be0f-05d60e56b547',
  eventType: 'AwsCloudTrailInsight',
  recipientAccountId: '123456789012',
  sharedEventID: '12edc982-3348-4794-83d3-a3db26525049',
  insightDetails: {
    state: 'Start',
    eventSource: 'autoscaling.amazonaws.com',
    eventName: 'CompleteLifecycleAction',
    insightType: 'ApiCallRateInsight',
    insightContext: {
      statistics: { baseline: { average: 0.0000882145 }, insight: { average: 0.6 }, insightDuration: 5, baselineDuration: 11336 },
      attributions: [{ attribute: 'userAgent', insight: [{ value: 'codedeploy.amazonaws.com', average: 0.6 }], baseline: [{ value: 'codedeploy.amazonaws.com', average: 0.0000882145 }] }],
    },
  },
  eventCategory: 'Insight',
};

/** "Sample digest file contents" (signature shortened). */
const DIGEST_FILE = `{
  "awsAccountId": "111122223333",
  "digestStartTime": "2015-08-17T14:01:31Z",
  "digestEndTime": "2015-08-17T15:01:31Z",
  "digestS3Bucket": "S3-bucket-name",
  "digestS3Object": "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz",
  "digestPublicKeyFingerprint": "31e8b5433410dfb61a9dc45cc65b22ff",
  "digestSignatureAlgorithm": "SHA256withRSA",
  "newestEventTime": "2015-08-17T14:52:27Z",
  "oldestEventTime": "2015-08-17T14:42:27Z",
  "previousDigestS3Bucket": "S3-bucket-name",
  "previousDigestS3Object": "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T140131Z.json.gz",
  "previousDigestHashValue": "97fb791cf91ffc440d274f8190dbdd9aa09c34432aba82739df18b6d3c13df2d",
  "previousDigestHashAlgorithm": "SHA-256",
  "previousDigestSignature": "50887ccffad4c002b97caa37cc9dc626e3c680207d41d27fa5835458e066e0d3",
  "logFiles": [
    {
      "s3Bucket": "S3-bucket-name",
      "s3Object": "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1445Z_9nYN7gp2eWAJHIfT.json.gz",
      "hashValue": "9bb6196fc6b84d6f075a56548feca262bd99ba3c2de41b618e5b6e22c1fc71f6",
      "hashAlgorithm": "SHA-256",
      "newestEventTime": "2015-08-17T14:52:27Z",
      "oldestEventTime": "2015-08-17T14:42:27Z"
    }
  ]
}`;

const LOG_KEY = 'AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz';
const ORG_LOG_KEY =
  'AWSLogs/o-exampleorgid/111122223333/CloudTrail/eu-west-1/2024/02/29/111122223333_CloudTrail_eu-west-1_20240229T2355Z_a1B2c3D4e5F6g7H8.json.gz';
const DIGEST_KEY =
  'AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz';
const INSIGHT_KEY = 'AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2019/11/14/111122223333_CloudTrail-Insight_us-east-1_20191114T0100Z_AbCdEfGhIjKlMnOp.json.gz';

// ---------------------------------------------------------------------------------------------
// Helpers

const COLUMNS = cloudtrail.schema.columns;
const COLUMN_NAMES = new Set(columnNames(cloudtrail.schema));
const LOG_COLUMN_NAMES = new Set(COLUMNS.slice(0, COLUMNS.findIndex((c) => c.name === 'timestamp')).map((c) => c.name));

function linesOf(split: DocumentSplit): readonly string[] {
  if (!('lines' in split)) throw new Error(`expected lines, got skip: ${split.skip}`);
  return split.lines;
}

function parseRow(event: unknown, parser: LineParser = cloudtrail.createParser()): Record<string, unknown> {
  const kind = parser.parse(JSON.stringify(event));
  expect(parser.error).toBe('');
  expect(kind).toBe(LineKind.Row);
  return JSON.parse(parser.json) as Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where `value` does not have the shape of `type` (null is accepted anywhere inside). */
function mismatches(type: ColumnType, value: unknown, path: string, out: string[] = []): string[] {
  if (value === null) return out;
  if (typeof type === 'string') {
    if (type === 'string' && typeof value !== 'string') out.push(`${path}: expected string, got ${JSON.stringify(value)}`);
    else if (type === 'timestamp' && !isValidEventTime(value)) out.push(`${path}: expected ISO timestamp, got ${JSON.stringify(value)}`);
    else if (type !== 'string' && type !== 'timestamp') out.push(`${path}: unexpected column type ${type}`);
    return out;
  }
  switch (type.kind) {
    case 'struct': {
      if (!isPlainObject(value)) {
        out.push(`${path}: expected ${hiveType(type)}, got ${JSON.stringify(value)}`);
        return out;
      }
      const fields = new Map(type.fields.map((f) => [f.name, f.type]));
      for (const [key, item] of Object.entries(value)) {
        const fieldType = fields.get(key);
        if (fieldType === undefined) out.push(`${path}.${key}: not a field of ${hiveType(type)}`);
        else mismatches(fieldType, item, `${path}.${key}`, out);
      }
      return out;
    }
    case 'array':
      if (!Array.isArray(value)) out.push(`${path}: expected array, got ${JSON.stringify(value)}`);
      else value.forEach((item, i) => mismatches(type.element, item, `${path}[${i}]`, out));
      return out;
    case 'map':
      if (!isPlainObject(value)) out.push(`${path}: expected map, got ${JSON.stringify(value)}`);
      else for (const [key, item] of Object.entries(value)) mismatches(type.value, item, `${path}[${key}]`, out);
      return out;
  }
}

/** Checks a parser result against the contract; returns the row for Row results. */
function checkResult(parser: LineParser, kind: LineKind, line: string): Record<string, unknown> | undefined {
  expect([LineKind.Row, LineKind.Error, LineKind.Skip]).toContain(kind);
  const located = parser.locate(line);
  expect(located).toBe(parser.dt === '' ? '' : `${parser.dt}/${parser.hour}`);
  if (kind === LineKind.Skip) {
    expect(parser.error).not.toBe('');
    return undefined;
  }
  const row = JSON.parse(parser.json) as Record<string, unknown>;
  expect(isPlainObject(row)).toBe(true);
  if (kind === LineKind.Error) {
    expect(parser.error).not.toBe('');
    expect(row._raw).toBe(line);
    expect(row._error).toBe(parser.error);
    expect(Object.keys(row).every((k) => k === 'timestamp' || k === '_raw' || k === '_error')).toBe(true);
    if (parser.timestamp !== '') expect(row.timestamp).toBe(parser.timestamp);
    return undefined;
  }
  expect(isValidEventTime(parser.timestamp)).toBe(true);
  expect(row.timestamp).toBe(parser.timestamp);
  expect(parser.dt).toBe(parser.timestamp.slice(0, 10));
  expect(parser.hour).toBe(parser.timestamp.slice(11, 13));
  const problems: string[] = [];
  for (const column of COLUMNS) {
    if (!(column.name in row)) continue;
    if (row[column.name] === null) problems.push(`${column.name}: null instead of omitted`);
    mismatches(column.type, row[column.name], column.name, problems);
  }
  for (const key of Object.keys(row)) if (!COLUMN_NAMES.has(key)) problems.push(`${key}: not a column`);
  expect('_raw' in row || '_error' in row).toBe(false);
  expect(problems).toEqual([]);
  return row;
}

// ---------------------------------------------------------------------------------------------

describe('cloudtrail schema', () => {
  it('has AWS cloudtrail_logs columns in AWS order, then the newer fields, timestamp and the bookkeeping columns', () => {
    expect(columnNames(cloudtrail.schema)).toEqual([
      'eventversion', 'useridentity', 'eventtime', 'eventsource', 'eventname', 'awsregion', 'sourceipaddress', 'useragent',
      'errorcode', 'errormessage', 'requestparameters', 'responseelements', 'additionaleventdata', 'requestid', 'eventid',
      'resources', 'eventtype', 'apiversion', 'readonly', 'recipientaccountid', 'serviceeventdetails', 'sharedeventid',
      'vpcendpointid', 'vpcendpointaccountid', 'eventcategory', 'addendum', 'sessioncredentialfromconsole',
      'edgedevicedetails', 'tlsdetails', 'managementevent', 'eventcontext', 'insightdetails',
      'timestamp', 'unmapped_fields', '_raw', '_error',
    ]);
    expect(cloudtrail.schema.dedupKey).toEqual(['eventid']);
  });

  it('keeps AWS struct types, extended only by appended fields', () => {
    const type = (name: string) => hiveType(COLUMNS.find((c) => c.name === name)!.type);
    expect(type('useridentity')).toBe(
      'struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string,accesskeyid:string,username:string,' +
        'onbehalfof:struct<userid:string,identitystorearn:string>,' +
        'sessioncontext:struct<attributes:struct<mfaauthenticated:string,creationdate:string>,' +
        'sessionissuer:struct<type:string,principalid:string,arn:string,accountid:string,username:string>,' +
        'ec2roledelivery:string,webidfederationdata:struct<federatedprovider:string,attributes:map<string,string>>,' +
        'sourceidentity:string,assumedroot:string>,' +
        'inscopeof:struct<sourcearn:string,sourceaccount:string,issuertype:string,credentialsissuedto:string>,' +
        'credentialid:string,identityprovider:string,invokedbydelegate:struct<accountid:string>>',
    );
    expect(type('resources')).toBe('array<struct<arn:string,accountid:string,type:string,arnprefix:string>>');
    expect(type('addendum')).toBe('struct<reason:string,updatedfields:string,originalrequestid:string,originaleventid:string>');
    expect(type('tlsdetails')).toBe('struct<tlsversion:string,ciphersuite:string,clientprovidedhostheader:string>');
    expect(type('requestparameters')).toBe('string');
    expect(type('readonly')).toBe('string');
    expect(type('timestamp')).toBe('timestamp');
  });
});

describe('cloudtrail AWS examples', () => {
  it('parses the documented error event to exactly this row (column order, JSON text, null omitted)', () => {
    const parser = cloudtrail.createParser();
    const lines = linesOf(cloudtrail.splitDocument!(JSON.stringify({ Records: [UPDATE_TRAIL_ERROR] })));
    expect(lines).toEqual([JSON.stringify(UPDATE_TRAIL_ERROR)]);
    expect(parser.parse(lines[0])).toBe(LineKind.Row);
    expect(parser.json).toBe(
      '{"eventversion":"1.04","useridentity":{"type":"IAMUser","principalid":"EX_PRINCIPAL_ID",' +
        '"arn":"arn:aws:iam::123456789012:user/Alice","accountid":"123456789012","accesskeyid":"EXAMPLE_KEY_ID","username":"Alice"},' +
        '"eventtime":"2016-07-14T19:15:45Z","eventsource":"cloudtrail.amazonaws.com","eventname":"UpdateTrail",' +
        '"awsregion":"us-east-2","sourceipaddress":"205.251.233.182",' +
        '"useragent":"aws-cli/1.10.32 Python/2.7.9 Windows/7 botocore/1.4.22","errorcode":"TrailNotFoundException",' +
        '"errormessage":"Unknown trail: myTrail2 for the user: 123456789012","requestparameters":"{\\"name\\":\\"myTrail2\\"}",' +
        '"requestid":"5d40662a-49f7-11e6-97e4-d9cb6ff7d6a3","eventid":"b7d4398e-b2f0-4faa-9c76-e2d316a8d67f",' +
        '"eventtype":"AwsApiCall","recipientaccountid":"123456789012","timestamp":"2016-07-14T19:15:45Z"}',
    );
    expect([parser.timestamp, parser.dt, parser.hour]).toEqual(['2016-07-14T19:15:45Z', '2016-07-14', '19']);
    expect(parser.locate(lines[0])).toBe('2016-07-14/19');
    expect(parser.header).toBe('');
  });

  it('splits the documented (pretty-printed) log file and keeps nested request and response as JSON text', () => {
    const parser = cloudtrail.createParser();
    const [line] = linesOf(cloudtrail.splitDocument!(START_INSTANCES_FILE));
    expect(line).not.toContain('\n');
    expect(parser.parse(line)).toBe(LineKind.Row);
    const row = checkResult(parser, LineKind.Row, line)!;
    expect(row.eventversion).toBe('1.0');
    expect(row.eventname).toBe('StartInstances');
    expect(row.useridentity).toEqual({
      type: 'IAMUser',
      principalid: 'EX_PRINCIPAL_ID',
      arn: 'arn:aws:iam::123456789012:user/Alice',
      accountid: '123456789012',
      accesskeyid: 'EXAMPLE_KEY_ID',
      username: 'Alice',
    });
    expect(JSON.parse(row.requestparameters as string)).toEqual({ instancesSet: { items: [{ instanceId: 'i-ebeaf9e2' }] } });
    expect(JSON.parse(row.responseelements as string)).toEqual({
      instancesSet: { items: [{ instanceId: 'i-ebeaf9e2', currentState: { code: 0, name: 'pending' }, previousState: { code: 80, name: 'stopped' } }] },
    });
    expect(row.unmapped_fields).toBeUndefined();
    expect(parser.dt).toBe('2014-03-06');
    expect(parser.hour).toBe('21');
  });

  it('maps sessionContext attributes and decodes escapes once', () => {
    const [line] = linesOf(cloudtrail.splitDocument!(CREATE_KEY_PAIR_FILE));
    const row = parseRow(JSON.parse(line));
    expect(row.useridentity).toMatchObject({
      username: 'Alice',
      sessioncontext: { attributes: { mfaauthenticated: 'false', creationdate: '2014-03-06T15:15:06Z' } },
    });
    expect(JSON.parse(row.responseelements as string).keyMaterial).toBe('<sensitiveDataRemoved>');
  });

  it('parses console sign-in events: null requestParameters, additionalEventData, empty accessKeyId kept', () => {
    const ok = parseRow(CONSOLE_LOGIN);
    expect(ok.requestparameters).toBeUndefined();
    expect(ok.responseelements).toBe('{"ConsoleLogin":"Success"}');
    expect(JSON.parse(ok.additionaleventdata as string)).toEqual(CONSOLE_LOGIN.additionalEventData);
    expect(ok.eventtype).toBe('AwsConsoleSignin');
    const failed = parseRow(CONSOLE_LOGIN_ROOT_FAILED);
    expect(failed.errormessage).toBe('Failed authentication');
    expect(failed.useridentity).toEqual({
      type: 'Root',
      principalid: 'AIDACKCEVSQ6C2EXAMPLE',
      arn: 'arn:aws:iam::111122223333:root',
      accountid: '111122223333',
      accesskeyid: '',
    });
  });

  it('maps the resources array (ARN → arn), booleans as AWS strings, tlsDetails and sharedEventID', () => {
    const row = parseRow(ASSUME_ROLE);
    expect(row.resources).toEqual([{ arn: 'arn:aws:iam::111122223333:role/Admin', accountid: '111122223333', type: 'AWS::IAM::Role' }]);
    expect(row.readonly).toBe('true');
    expect(row.managementevent).toBe('true');
    expect(row.sharedeventid).toBe('a1b2c3d4-5678-90ab-cdef-EXAMPLE33333');
    expect(row.eventcategory).toBe('Management');
    expect(row.tlsdetails).toEqual({
      tlsversion: 'TLSv1.2',
      ciphersuite: 'ECDHE-RSA-AES128-GCM-SHA256',
      clientprovidedhostheader: 'sts.us-east-2.amazonaws.com',
    });
    expect(row.useridentity).toEqual({ type: 'AWSAccount', principalid: 'AIDAQRSTUVWXYZEXAMPLE', accountid: '777788889999' });
    expect(row.unmapped_fields).toBeUndefined();
  });

  it('keeps web identity federation attributes as a string map (non-string values as JSON text)', () => {
    const row = parseRow(WEB_IDENTITY_CALL);
    expect(row.useridentity).toMatchObject({
      sessioncontext: {
        sessionissuer: { type: 'Role', username: 'deploy', accountid: '111122223333' },
        webidfederationdata: {
          federatedprovider: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
          attributes: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'x:count': '3' },
        },
        attributes: { creationdate: '2024-05-01T10:00:00Z', mfaauthenticated: 'false' },
      },
    });
    expect(row.resources).toEqual([
      { arn: 'arn:aws:s3:::amzn-s3-demo-bucket/site/index.html', type: 'AWS::S3::Object' },
      { arn: 'arn:aws:s3:::amzn-s3-demo-bucket', accountid: '111122223333', type: 'AWS::S3::Bucket' },
    ]);
    expect(row.readonly).toBe('false');
    expect(row.managementevent).toBe('false');
  });

  it('maps the newer fields (eventVersion 1.09–1.11) to the full row', () => {
    const row = parseRow(MODERN_EVENT);
    expect(row).toEqual({
      eventversion: '1.11',
      useridentity: {
        type: 'AssumedRole',
        principalid: 'AROA123456789EXAMPLE:i-0c1a23fc456b7ab89',
        arn: 'arn:aws:sts::111122223333:assumed-role/app-instance/i-0c1a23fc456b7ab89',
        accountid: '111122223333',
        accesskeyid: 'ASIAIOSFODNN7EXAMPLE',
        sessioncontext: {
          attributes: { mfaauthenticated: 'false', creationdate: '2025-03-27T17:08:37Z' },
          sessionissuer: {
            type: 'Role',
            principalid: 'AROA123456789EXAMPLE',
            arn: 'arn:aws:iam::111122223333:role/app-instance',
            accountid: '111122223333',
            username: 'app-instance',
          },
          ec2roledelivery: '2.0',
          sourceidentity: 'alice',
          assumedroot: 'false',
        },
        inscopeof: {
          issuertype: 'AWS::EC2::Instance',
          credentialsissuedto: 'arn:aws:ec2:eu-west-2:111122223333:instance/i-0c1a23fc456b7ab89',
        },
      },
      eventtime: '2025-03-27T17:12:54Z',
      eventsource: 'secretsmanager.amazonaws.com',
      eventname: 'GetSecretValue',
      awsregion: 'eu-west-2',
      sourceipaddress: '10.0.1.25',
      useragent: 'aws-sdk-java/2.25.0',
      requestparameters: '{"secretId":"arn:aws:secretsmanager:eu-west-2:111122223333:secret:db-password"}',
      requestid: '6e8e6b36-9f1c-4f66-9d9d-3f7c0b0a1b2c',
      eventid: 'c5d3a3a2-81a4-4f0e-9a27-0e58e4c5b2a1',
      resources: [
        {
          arn: 'arn:aws:secretsmanager:eu-west-2:111122223333:secret:db-password',
          accountid: '111122223333',
          type: 'AWS::SecretsManager::Secret',
        },
      ],
      eventtype: 'AwsApiCall',
      readonly: 'true',
      recipientaccountid: '111122223333',
      vpcendpointid: 'vpce-0123456789abcdef0',
      vpcendpointaccountid: '111122223333',
      eventcategory: 'Management',
      addendum: { reason: 'DELIVERY_DELAY', originaleventid: 'c5d3a3a2-81a4-4f0e-9a27-0e58e4c5b2a1' },
      sessioncredentialfromconsole: 'true',
      tlsdetails: {
        tlsversion: 'TLSv1.3',
        ciphersuite: 'TLS_AES_128_GCM_SHA256',
        clientprovidedhostheader: 'secretsmanager.eu-west-2.amazonaws.com',
      },
      managementevent: 'true',
      eventcontext: JSON.stringify(MODERN_EVENT.eventContext),
      timestamp: '2025-03-27T17:12:54Z',
    });
  });

  it('parses an Insights event (insightDetails as JSON text) but skips Insights files by key', () => {
    const row = parseRow(INSIGHT_EVENT);
    expect(row.eventcategory).toBe('Insight');
    expect(JSON.parse(row.insightdetails as string)).toEqual(INSIGHT_EVENT.insightDetails);
    expect(row.unmapped_fields).toBeUndefined();
    expect(cloudtrail.skipObject(INSIGHT_KEY, JSON.stringify({ Records: [INSIGHT_EVENT] }))).toMatch(/Insights/);
    expect(cloudtrail.matchKey(INSIGHT_KEY)).toBe(false);
  });

  it('splits a multi-event file into one line per event, in order', () => {
    const events = [UPDATE_TRAIL_ERROR, CONSOLE_LOGIN, ASSUME_ROLE, WEB_IDENTITY_CALL, MODERN_EVENT];
    const lines = linesOf(cloudtrail.splitDocument!(JSON.stringify({ Records: events }, null, 2)));
    expect(lines.map((l) => JSON.parse(l))).toEqual(events);
    const parser = cloudtrail.createParser();
    for (const line of lines) checkResult(parser, parser.parse(line), line);
  });
});

describe('cloudtrail documents and detection', () => {
  it('skips digest files by key, by name and by content', () => {
    expect(cloudtrail.skipObject(DIGEST_KEY, '')).toMatch(/digest/);
    expect(cloudtrail.skipObject('111122223333_CloudTrail-Digest_us-east-2_trail_us-east-2_20150817T150131Z.json.gz', '')).toMatch(/digest/);
    expect(cloudtrail.skipObject('some/renamed/file.json', DIGEST_FILE.slice(0, 300))).toMatch(/digest/);
    expect(cloudtrail.splitDocument!(DIGEST_FILE)).toEqual({ skip: 'CloudTrail digest file' });
    expect(cloudtrail.matchKey(DIGEST_KEY)).toBe(false);
    expect(cloudtrail.matchContent(DIGEST_FILE)).toBe(false);
  });

  it('does not skip log files or other formats', () => {
    expect(cloudtrail.skipObject(LOG_KEY, START_INSTANCES_FILE)).toBeUndefined();
    expect(cloudtrail.skipObject(ORG_LOG_KEY, '{"Records":[{"digestStartTime":"x"}]}')).toBeUndefined();
    const elbLine = '2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2';
    expect(cloudtrail.skipObject('AWSLogs/111122223333/elasticloadbalancing/x.log', elbLine)).toBeUndefined();
    expect(cloudtrail.skipObject('x', '{"message":"digestStartTime"}')).toBeUndefined();
  });

  it('skips empty, empty-Records, non-JSON and non-CloudTrail documents with a reason', () => {
    const skipOf = (text: string) => {
      const split = cloudtrail.splitDocument!(text);
      expect('skip' in split).toBe(true);
      return (split as { skip: string }).skip;
    };
    expect(skipOf('')).toBe('empty document');
    expect(skipOf(' \n\t')).toBe('empty document');
    expect(skipOf('{"Records":[]}')).toBe('no events (empty Records)');
    expect(skipOf('{"Records": [ ]}\n')).toBe('no events (empty Records)');
    expect(skipOf('{"Record": [1, 2')).toMatch(/not valid JSON/);
    expect(skipOf('not json at all')).toMatch(/not valid JSON/);
    expect(skipOf('[{"eventTime":"2020-01-01T00:00:00Z"}]')).toMatch(/not an object/);
    expect(skipOf('{"records":[{}]}')).toMatch(/without Records/);
    expect(skipOf('{"Records":{"eventTime":"2020-01-01T00:00:00Z"}}')).toMatch(/not an array/);
  });

  it('keeps a damaged CloudTrail file: its lines become error rows, nothing is skipped', () => {
    for (const damaged of [CREATE_ROLE_BROKEN_FILE, START_INSTANCES_FILE.slice(0, 400)]) {
      const lines = linesOf(cloudtrail.splitDocument!(damaged));
      expect(lines.join('\n')).toBe(damaged.split('\n').filter((l) => l.trim() !== '').join('\n'));
      const parser = cloudtrail.createParser();
      for (const line of lines) expect(parser.parse(line)).not.toBe(LineKind.Row);
    }
  });

  it('accepts a byte-order mark and whitespace around the document', () => {
    const lines = linesOf(cloudtrail.splitDocument!(`\uFEFF \n${JSON.stringify({ Records: [CONSOLE_LOGIN] })}\n`));
    expect(lines).toEqual([JSON.stringify(CONSOLE_LOGIN)]);
  });

  it('turns records that are not objects into lines that become error rows', () => {
    const lines = linesOf(cloudtrail.splitDocument!('{"Records":[null, 5, "x", [1]]}'));
    expect(lines).toEqual(['null', '5', '"x"', '[1]']);
    const parser = cloudtrail.createParser();
    for (const line of lines) {
      expect(parser.parse(line)).toBe(LineKind.Error);
      expect(parser.error).toBe('not a JSON object');
      checkResult(parser, LineKind.Error, line);
    }
  });

  it('recognises log keys of account trails, organization trails, network activity and bare file names', () => {
    expect(cloudtrail.matchKey(LOG_KEY)).toBe(true);
    expect(cloudtrail.matchKey(ORG_LOG_KEY)).toBe(true);
    expect(cloudtrail.matchKey(`my-prefix/${ORG_LOG_KEY}`)).toBe(true);
    expect(cloudtrail.matchKey('111122223333_CloudTrail_us-gov-west-1_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz')).toBe(true);
    expect(
      cloudtrail.matchKey(
        'AWSLogs/111122223333/CloudTrail-NetworkActivity/us-east-1/2025/01/01/111122223333_CloudTrail-NetworkActivity_us-east-1_20250101T0005Z_Mu0KsOhtH1ar15ZZ.json.gz',
      ),
    ).toBe(true);
    expect(cloudtrail.matchKey('AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/other.json.gz')).toBe(false);
    expect(cloudtrail.matchKey('111122223333_CloudTrail_us-east-2_20150801T0210Z_short.json.gz')).toBe(false);
    expect(cloudtrail.matchKey('AWSLogs/111122223333/elasticloadbalancing/us-east-1/2024/01/01/x.log')).toBe(false);
    expect(cloudtrail.skipObject(LOG_KEY, '')).toBeUndefined();
    expect(cloudtrail.skipObject(ORG_LOG_KEY, '')).toBeUndefined();
  });

  it('recognises content starting with {"Records":[, whitespace allowed', () => {
    expect(cloudtrail.matchContent('{"Records":[{"eventVersion":"1.08"')).toBe(true);
    expect(cloudtrail.matchContent(START_INSTANCES_FILE.slice(0, 50))).toBe(true);
    expect(cloudtrail.matchContent('\uFEFF{\n  "Records" : [\n')).toBe(true);
    expect(cloudtrail.matchContent('{"records":[')).toBe(false);
    expect(cloudtrail.matchContent('{"eventVersion":"1.08"}')).toBe(false);
    expect(cloudtrail.matchContent('2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817')).toBe(false);
    expect(cloudtrail.matchContent('')).toBe(false);
  });
});

describe('cloudtrail values', () => {
  it('stores requestParameters null as null, objects as JSON text, strings as they are (no double encoding)', () => {
    const base = { eventTime: '2024-01-01T00:00:00Z', eventID: 'e' };
    expect(parseRow({ ...base, requestParameters: null }).requestparameters).toBeUndefined();
    expect(parseRow({ ...base }).requestparameters).toBeUndefined();
    expect(parseRow({ ...base, requestParameters: {} }).requestparameters).toBe('{}');
    expect(parseRow({ ...base, requestParameters: { a: [1, { b: null }] } }).requestparameters).toBe('{"a":[1,{"b":null}]}');
    const truncated = '{"bucketName":"amzn-s3-demo-bucket","key":"very/long/';
    expect(parseRow({ ...base, requestParameters: truncated }).requestparameters).toBe(truncated);
    expect(parseRow({ ...base, requestParameters: 42 }).requestparameters).toBe('42');
    expect(parseRow({ ...base, additionalEventData: true }).additionaleventdata).toBe('true');
    expect(parseRow({ ...base, serviceEventDetails: ['x'] }).serviceeventdetails).toBe('["x"]');
    expect(parseRow({ ...base, edgeDeviceDetails: 'plain' }).edgedevicedetails).toBe('plain');
  });

  it('keeps huge requestParameters whole', () => {
    const items = Array.from({ length: 5000 }, (_, i) => ({ instanceId: `i-${i.toString(16).padStart(17, '0')}`, tags: { n: i } }));
    const event = { ...UPDATE_TRAIL_ERROR, requestParameters: { items } };
    const line = JSON.stringify(event);
    expect(line.length).toBeGreaterThan(200_000);
    const row = parseRow(event);
    expect(JSON.parse(row.requestparameters as string)).toEqual({ items });
  });

  it('keeps unicode as logged', () => {
    const event = {
      eventTime: '2024-02-29T23:59:59Z',
      userAgent: 'Mozilla/5.0 (日本語; العربية) 🚀 \u2028 tab\t "quoted" back\\slash',
      userIdentity: { userName: 'Zoë Ünïcødé 👩‍💻' },
      requestParameters: { key: 'фото/😀.jpg', lone: '\ud800' },
      errorMessage: 'ÿ\u0000\u001f',
    };
    const parser = cloudtrail.createParser();
    const [line] = linesOf(cloudtrail.splitDocument!(JSON.stringify({ Records: [event] })));
    const row = checkResult(parser, parser.parse(line), line)!;
    expect(row.useragent).toBe(event.userAgent);
    expect(row.useridentity).toEqual({ username: 'Zoë Ünïcødé 👩‍💻' });
    expect(JSON.parse(row.requestparameters as string)).toEqual(event.requestParameters);
    expect(row.errormessage).toBe(event.errorMessage);
    expect(parser.json).toContain('\\ud800'); // lone surrogates stay escaped: the output is valid UTF-8
    expect(parser.dt).toBe('2024-02-29');
  });

  it('stringifies objects in string fields and keeps what does not fit a struct in unmapped_fields', () => {
    const event = {
      eventTime: '2024-01-01T10:00:00Z',
      eventName: { weird: true },
      userIdentity: {
        type: 'AssumedRole',
        arn: ['a', 'b'],
        sessionContext: 'not-an-object',
        onBehalfOf: null,
        brandNewField: { x: 1 },
      },
      resources: [{ ARN: 'arn:1', extra: 'e' }, 'arn:2', null, { arn: 'lower', ARN: 'upper' }],
      tlsDetails: 'TLSv1.2',
      addendum: { reason: 'UPDATED_DATA', updatedFields: ['a', 'b'] },
      futureField: { nested: [1, 2] },
      timestamp: 'not ours',
      _raw: 'not ours either',
    };
    // A `__proto__` key is plain data in JSON; it must not become a prototype anywhere.
    const withProto = `${JSON.stringify(event).slice(0, -1)},"__proto__":"data"}`;
    const parser = cloudtrail.createParser();
    const row = checkResult(parser, parser.parse(withProto), withProto)!;
    expect(row.eventname).toBe('{"weird":true}');
    expect(row.useridentity).toEqual({ type: 'AssumedRole', arn: '["a","b"]' });
    expect(row.resources).toEqual([{ arn: 'arn:1' }, null, null, { arn: 'lower' }]);
    expect(row.tlsdetails).toBeUndefined();
    expect(row.addendum).toEqual({ reason: 'UPDATED_DATA', updatedfields: '["a","b"]' });
    expect(row.timestamp).toBe('2024-01-01T10:00:00Z');
    const unmapped = JSON.parse(row.unmapped_fields as string) as Record<string, unknown>;
    expect(Object.hasOwn(unmapped, '__proto__')).toBe(true);
    expect(unmapped['__proto__']).toBe('data');
    delete unmapped['__proto__'];
    expect(unmapped).toEqual({
      userIdentity: { sessionContext: 'not-an-object', brandNewField: { x: 1 } },
      resources: { '0': { extra: 'e' }, '1': 'arn:2', '3': { ARN: 'upper' } },
      tlsDetails: 'TLSv1.2',
      futureField: { nested: [1, 2] },
      timestamp: 'not ours',
      _raw: 'not ours either',
    });
  });

  it('keeps a non-array resources and a non-object userIdentity whole in unmapped_fields', () => {
    const row = parseRow({ eventTime: '2024-01-01T10:00:00Z', resources: { ARN: 'x' }, userIdentity: 'root' });
    expect(row.resources).toBeUndefined();
    expect(row.useridentity).toBeUndefined();
    expect(JSON.parse(row.unmapped_fields as string)).toEqual({ resources: { ARN: 'x' }, userIdentity: 'root' });
  });

  it('matches keys case-insensitively, the first of two spellings winning', () => {
    const row = parseRow({ eventTime: '2024-01-01T10:00:00Z', EventName: 'First', eventName: 'Second', RecipientAccountID: '1' });
    expect(row.eventname).toBe('First');
    expect(row.recipientaccountid).toBe('1');
    expect(JSON.parse(row.unmapped_fields as string)).toEqual({ eventName: 'Second' });
  });

  it('reuses one parser across lines without leaking state', () => {
    const parser = cloudtrail.createParser();
    parser.parse(JSON.stringify(MODERN_EVENT));
    expect(parser.parse('{"eventTime":"bad"}')).toBe(LineKind.Error);
    expect([parser.timestamp, parser.dt, parser.hour]).toEqual(['', '', '']);
    expect(parser.parse(JSON.stringify({ eventTime: '2020-01-01T00:00:00Z' }))).toBe(LineKind.Row);
    expect(parser.json).toBe('{"eventtime":"2020-01-01T00:00:00Z","timestamp":"2020-01-01T00:00:00Z"}');
    expect(parser.error).toBe('');
  });
});

describe('cloudtrail event time and error rows', () => {
  const errorOf = (line: string) => {
    const parser = cloudtrail.createParser();
    const kind = parser.parse(line);
    checkResult(parser, kind, line);
    return { kind, error: parser.error, json: parser.json, dt: parser.dt, hour: parser.hour };
  };

  it('makes an error row, with the line kept, for events without a valid eventTime', () => {
    const cases: [unknown, RegExp][] = [
      [{ eventName: 'x' }, /no eventTime/],
      [{ eventTime: null }, /no eventTime/],
      [{ eventTime: 1563470400000 }, /not an ISO-8601/],
      [{ eventTime: '2019-07-18 17:20:00' }, /not an ISO-8601/],
      [{ eventTime: '2019-07-18T17:20:00+02:00' }, /not an ISO-8601/],
      [{ eventTime: '2019-02-29T17:20:00Z' }, /not an ISO-8601/],
      [{ eventTime: '2019-04-31T17:20:00Z' }, /not an ISO-8601/],
      [{ eventTime: '2019-07-18T24:00:00Z' }, /not an ISO-8601/],
      [{ eventTime: '2019-07-18T17:60:00Z' }, /not an ISO-8601/],
      [{ eventTime: '2019-07-18T17:20:60Z' }, /not an ISO-8601/],
      [{ eventTime: '2019-07-18T17:20:00.1234567890Z' }, /not an ISO-8601/],
      [{ requestParameters: { eventTime: '2019-07-18T17:20:00Z' } }, /no eventTime/],
    ];
    for (const [event, reason] of cases) {
      const line = JSON.stringify(event);
      const result = errorOf(line);
      expect(result.kind).toBe(LineKind.Error);
      expect(result.error).toMatch(reason);
      expect(JSON.parse(result.json)).toEqual({ _raw: line, _error: result.error });
      expect(result.dt).toBe('');
    }
  });

  it('accepts leap days, fractions and the ends of the range', () => {
    for (const time of ['2024-02-29T00:00:00Z', '2000-02-29T12:00:00Z', '2019-07-18T17:20:00.123Z', '1999-12-31T23:59:59.999999999Z']) {
      const result = errorOf(JSON.stringify({ eventTime: time }));
      expect(result.kind).toBe(LineKind.Row);
      expect(result.dt).toBe(time.slice(0, 10));
    }
    expect(errorOf(JSON.stringify({ eventTime: '1900-02-29T00:00:00Z' })).kind).toBe(LineKind.Error);
  });

  it('makes an error row for lines that are not JSON, with the time when it is readable', () => {
    const whole = JSON.stringify(UPDATE_TRAIL_ERROR);
    const truncated = whole.slice(0, whole.indexOf('"eventName"') + 8);
    const result = errorOf(truncated);
    expect(result.kind).toBe(LineKind.Error);
    expect(result.error).toMatch(/not valid JSON/);
    expect(JSON.parse(result.json)).toEqual({ timestamp: '2016-07-14T19:15:45Z', _raw: truncated, _error: result.error });
    expect([result.dt, result.hour]).toEqual(['2016-07-14', '19']);

    const garbage = errorOf('GET / HTTP/1.1');
    expect(garbage.kind).toBe(LineKind.Error);
    expect(JSON.parse(garbage.json)).toEqual({ _raw: 'GET / HTTP/1.1', _error: garbage.error });
  });

  it('skips blank lines', () => {
    for (const line of ['', '   ', '\t\r\n']) {
      const parser = cloudtrail.createParser();
      expect(parser.parse(line)).toBe(LineKind.Skip);
      expect(parser.error).toBe('blank line');
      expect(parser.locate(line)).toBe('');
    }
  });

  it('locates by the top-level eventTime only, like JSON.parse', () => {
    const cases: [string, string | undefined][] = [
      ['{"eventTime":"2020-01-02T03:04:05Z"}', '2020-01-02T03:04:05Z'],
      ['  {\n "eventTime" : "2020-01-02T03:04:05Z" } ', '2020-01-02T03:04:05Z'],
      ['{"requestParameters":{"eventTime":"2000-01-01T00:00:00Z"},"eventTime":"2020-01-02T03:04:05Z"}', '2020-01-02T03:04:05Z'],
      ['{"eventTime":"2020-01-02T03:04:05Z","requestParameters":{"eventTime":"2000-01-01T00:00:00Z"}}', '2020-01-02T03:04:05Z'],
      ['{"a":[{"eventTime":"2000-01-01T00:00:00Z"}]}', undefined],
      ['{"eventTime":"2000-01-01T00:00:00Z","eventTime":"2020-01-02T03:04:05Z"}', '2020-01-02T03:04:05Z'],
      ['{"eventTime":"2000-01-01T00:00:00Z","eventTime":null}', undefined],
      ['{"eventTime":"2000-01-01T00:00:00Z","eventTime":{"x":"2020-01-02T03:04:05Z"}}', undefined],
      ['{"event\\u0054ime":"2020-01-02T\\u00303:04:05Z"}', '2020-01-02T03:04:05Z'],
      ['{"userAgent":"\\"eventTime\\":\\"2000-01-01T00:00:00Z\\"","eventTime":"2020-01-02T03:04:05Z"}', '2020-01-02T03:04:05Z'],
      ['{"a":"ends with a backslash \\\\","eventTime":"2020-01-02T03:04:05Z","b":"\\\\\\"eventTime\\":1"}', '2020-01-02T03:04:05Z'],
      ['{"EventTime":"2020-01-02T03:04:05Z"}', undefined],
      ['["eventTime","2020-01-02T03:04:05Z"]', undefined],
    ];
    for (const [line, expected] of cases) {
      expect(topLevelEventTime(line)).toBe(expected);
      const parsed = (JSON.parse(line) as { eventTime?: unknown }).eventTime;
      expect(typeof parsed === 'string' ? parsed : undefined).toBe(expected);
      const parser = cloudtrail.createParser();
      checkResult(parser, parser.parse(line), line);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const lineArbitrary = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 200 });
const eventTimeArbitrary = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString().replace('.000Z', 'Z'));
const valueArbitrary = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: lineArbitrary },
  { weight: 1, arbitrary: eventTimeArbitrary },
);
/** Record keys: the documented ones, other spellings of them, struct-ish names and noise. */
const keyArbitrary = fc.oneof(
  fc.constantFrom(
    'eventVersion', 'userIdentity', 'eventTime', 'eventSource', 'eventName', 'requestParameters', 'responseElements',
    'resources', 'readOnly', 'addendum', 'tlsDetails', 'eventID', 'EVENTID', 'ARN', 'arn', 'accountId', 'type',
    'sessionContext', 'sessionIssuer', 'attributes', 'webIdFederationData', 'onBehalfOf', 'inScopeOf', 'timestamp',
    'unmapped_fields', '_raw', '__proto__', 'constructor', 'toString',
  ),
  fc.string({ maxLength: 12 }),
);
/** Objects shaped loosely like CloudTrail events, nesting the known struct names. */
const eventLikeArbitrary: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ node: Record<string, unknown> }>((tie) => ({
  node: fc
    .array(fc.tuple(keyArbitrary, fc.oneof({ depthSize: 'small', maxDepth: 4 }, valueArbitrary, tie('node'), fc.array(tie('node'), { maxLength: 3 }))), {
      maxLength: 8,
    })
    .map((entries) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, configurable: true, writable: true });
      return out;
    }),
})).node;
const eventArbitrary = fc.tuple(eventLikeArbitrary, fc.option(eventTimeArbitrary, { nil: undefined })).map(([event, time]) => {
  if (time !== undefined) Object.defineProperty(event, 'eventTime', { value: time, enumerable: true, configurable: true, writable: true });
  return event;
});

describe('cloudtrail properties', () => {
  it('never throws on arbitrary text, and results keep the contract', () => {
    const parser = cloudtrail.createParser();
    fc.assert(
      fc.property(lineArbitrary, (line) => {
        checkResult(parser, parser.parse(line), line);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary JSON values, and results keep the contract', () => {
    const parser = cloudtrail.createParser();
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const line = JSON.stringify(value);
        checkResult(parser, parser.parse(line), line);
      }),
      { numRuns: 500 },
    );
  });

  it('turns event-like objects into rows of the declared types, losing no top-level field', () => {
    const parser = cloudtrail.createParser();
    fc.assert(
      fc.property(eventArbitrary, (event) => {
        const line = JSON.stringify(event);
        const kind = parser.parse(line);
        const row = checkResult(parser, kind, line);
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (!isValidEventTime(parsed.eventTime)) {
          expect(kind).toBe(LineKind.Error);
          return;
        }
        expect(kind).toBe(LineKind.Row);
        const unmapped = row!.unmapped_fields === undefined ? {} : (JSON.parse(row!.unmapped_fields as string) as Record<string, unknown>);
        const taken = new Set<string>();
        for (const key of Object.keys(parsed)) {
          const name = key.toLowerCase();
          const value = parsed[key];
          const mapped = LOG_COLUMN_NAMES.has(name) && !taken.has(name);
          if (mapped) taken.add(name);
          if (!mapped) expect(unmapped[key]).toEqual(value);
          else if (value === null) expect(name in row!).toBe(false);
          else expect(name in row! || key in unmapped).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads the top-level eventTime exactly as JSON.parse does', () => {
    const member = fc.tuple(
      fc.oneof(fc.constant('eventTime'), fc.constant('event\\u0054ime'), fc.constant('EventTime'), fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s).slice(1, -1))),
      fc.oneof(
        eventTimeArbitrary.map((t) => JSON.stringify(t)),
        fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
        lineArbitrary.map((v) => JSON.stringify(v)),
        eventLikeArbitrary.map((v) => JSON.stringify(v)),
      ),
      fc.constantFrom('', ' ', '\n', '\t '),
    );
    fc.assert(
      fc.property(fc.array(member, { maxLength: 6 }), (members) => {
        const line = `{${members.map(([key, value, ws]) => `${ws}"${key}"${ws}:${ws}${value}${ws}`).join(',')}}`;
        const parsed = (JSON.parse(line) as { eventTime?: unknown }).eventTime;
        expect(topLevelEventTime(line)).toBe(typeof parsed === 'string' ? parsed : undefined);
        const parser = cloudtrail.createParser();
        checkResult(parser, parser.parse(line), line);
      }),
      { numRuns: 500 },
    );
  });

  it('splitDocument never throws, and splits every Records array into one line per record', () => {
    fc.assert(
      fc.property(fc.oneof(lineArbitrary, fc.json()), (text) => {
        const split = cloudtrail.splitDocument!(text);
        expect('lines' in split || typeof (split as { skip: string }).skip === 'string').toBe(true);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(eventArbitrary, fc.jsonValue({ maxDepth: 2 })), { minLength: 1, maxLength: 5 }), (records) => {
        const lines = linesOf(cloudtrail.splitDocument!(JSON.stringify({ Records: records })));
        expect(lines.map((l) => JSON.parse(l))).toEqual(JSON.parse(JSON.stringify(records)));
        for (const line of lines) expect(line).not.toMatch(/[\n\r]/);
      }),
      { numRuns: 200 },
    );
  });
});
