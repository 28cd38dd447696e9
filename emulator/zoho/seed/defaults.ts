/** Default seed data: an org shaped like a fresh Zoho CRM org (Leads, Contacts, Products, Notes). */
import type { FieldSeed, ModuleSeed, OrgSeed, UserSeed } from '../model/types.js';

export const LEAD_SOURCE_VALUES = [
  '-None-',
  'Advertisement',
  'Cold Call',
  'Employee Referral',
  'External Referral',
  'Online Store',
  'Partner',
  'Public Relations',
  'Sales Email Alias',
  'Seminar Partner',
  'Internal Seminar',
  'Trade Show',
  'Web Download',
  'Web Research',
  'Chat',
];

const personFields = (): FieldSeed[] => [
  { apiName: 'First_Name', label: 'First Name', dataType: 'text', length: 40 },
  { apiName: 'Last_Name', label: 'Last Name', dataType: 'text', length: 80, mandatory: true },
  { apiName: 'Full_Name', label: 'Full Name', dataType: 'text', length: 120, readOnly: true },
  { apiName: 'Email', label: 'Email', dataType: 'email', length: 100 },
  { apiName: 'Phone', label: 'Phone', dataType: 'phone', length: 30 },
  { apiName: 'Mobile', label: 'Mobile', dataType: 'phone', length: 30 },
  { apiName: 'Lead_Source', label: 'Lead Source', dataType: 'picklist', picklist: LEAD_SOURCE_VALUES },
  { apiName: 'Description', label: 'Description', dataType: 'textarea', length: 32000 },
];

export function defaultModules(): ModuleSeed[] {
  return [
    {
      apiName: 'Leads',
      singularLabel: 'Lead',
      pluralLabel: 'Leads',
      duplicateCheck: ['Email'],
      fields: [
        ...personFields(),
        { apiName: 'Company', label: 'Company', dataType: 'text', length: 200 },
        { apiName: 'Website', label: 'Website', dataType: 'website', length: 255 },
        {
          apiName: 'Lead_Status',
          label: 'Lead Status',
          dataType: 'picklist',
          picklist: [
            '-None-',
            'Attempted to Contact',
            'Contact in Future',
            'Contacted',
            'Junk Lead',
            'Lost Lead',
            'Not Contacted',
            'Pre-Qualified',
            'Not Qualified',
          ],
        },
        { apiName: 'No_of_Employees', label: 'No. of Employees', dataType: 'integer', length: 9 },
      ],
    },
    {
      apiName: 'Contacts',
      singularLabel: 'Contact',
      pluralLabel: 'Contacts',
      duplicateCheck: ['Email'],
      fields: [
        ...personFields(),
        { apiName: 'Title', label: 'Title', dataType: 'text', length: 100 },
        { apiName: 'Date_of_Birth', label: 'Date of Birth', dataType: 'date' },
      ],
    },
    {
      apiName: 'Products',
      singularLabel: 'Product',
      pluralLabel: 'Products',
      duplicateCheck: ['Product_Name'],
      fields: [
        { apiName: 'Product_Name', label: 'Product Name', dataType: 'text', length: 120, mandatory: true },
        { apiName: 'Product_Code', label: 'Product Code', dataType: 'text', length: 40 },
        { apiName: 'Unit_Price', label: 'Unit Price', dataType: 'currency', length: 16 },
        { apiName: 'Product_Active', label: 'Product Active', dataType: 'boolean' },
        { apiName: 'Description', label: 'Description', dataType: 'textarea', length: 32000 },
      ],
    },
  ];
}

export function notesModule(): ModuleSeed {
  return {
    apiName: 'Notes',
    singularLabel: 'Note',
    pluralLabel: 'Notes',
    fields: [
      { apiName: 'Note_Title', label: 'Note Title', dataType: 'text', length: 255 },
      {
        apiName: 'Note_Content',
        label: 'Note Content',
        dataType: 'textarea',
        length: 32000,
        mandatory: true,
      },
    ],
  };
}

export function defaultUsers(domain = 'example.test'): UserSeed[] {
  return [
    { email: `admin@${domain}`, firstName: 'Ada', lastName: 'Admin', profile: 'Administrator', role: 'CEO' },
    { email: `rep@${domain}`, firstName: 'Rey', lastName: 'Rep', profile: 'Standard', role: 'Manager' },
  ];
}

export function defaultOrgSeed(): Omit<OrgSeed, 'orgId'> {
  return {
    companyName: 'Emulated Company',
    timeZone: 'Europe/Madrid',
    country: 'Spain',
    countryCode: 'ES',
    currency: 'EUR',
    edition: 'Enterprise',
    users: defaultUsers(),
    modules: defaultModules(),
  };
}

export const SANDBOX_ORG_ID = '800000001';

export function sandboxOrgSeed(): OrgSeed {
  return {
    orgId: SANDBOX_ORG_ID,
    companyName: 'Sandbox Company',
    timeZone: 'Europe/Madrid',
    country: 'Spain',
    countryCode: 'ES',
    currency: 'EUR',
    edition: 'Enterprise',
    users: [
      {
        email: 'admin@sandbox.test',
        firstName: 'Sandra',
        lastName: 'Admin',
        profile: 'Administrator',
        role: 'CEO',
      },
      { email: 'rep@sandbox.test', firstName: 'Rafa', lastName: 'Rep', profile: 'Standard', role: 'Manager' },
    ],
    modules: defaultModules(),
  };
}
