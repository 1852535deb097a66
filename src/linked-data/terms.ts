/** Mappings from catalog values to schema.org enumeration members and UN/CEFACT unit codes. */
import type { ItemAvailability, MerchantReturnEnumeration, OfferItemCondition, ReturnFeesEnumeration, ReturnMethodEnumeration } from 'schema-dts';
import type { Availability } from '../catalog/availability.js';
import type { Condition, ReturnCategory, ReturnFees, ReturnMethod } from '../catalog/model.js';

export const AVAILABILITY: Record<Availability, ItemAvailability> = {
  in_stock: 'https://schema.org/InStock',
  limited: 'https://schema.org/LimitedAvailability',
  out_of_stock: 'https://schema.org/OutOfStock',
  backorder: 'https://schema.org/BackOrder',
  preorder: 'https://schema.org/PreOrder',
};

export const CONDITION: Record<Condition, OfferItemCondition> = {
  new: 'https://schema.org/NewCondition',
  refurbished: 'https://schema.org/RefurbishedCondition',
  used: 'https://schema.org/UsedCondition',
};

export const RETURN_CATEGORY: Record<ReturnCategory, MerchantReturnEnumeration> = {
  finite: 'https://schema.org/MerchantReturnFiniteReturnWindow',
  unlimited: 'https://schema.org/MerchantReturnUnlimitedWindow',
  not_permitted: 'https://schema.org/MerchantReturnNotPermitted',
};

export const RETURN_METHOD: Record<ReturnMethod, ReturnMethodEnumeration> = {
  mail: 'https://schema.org/ReturnByMail',
  in_store: 'https://schema.org/ReturnInStore',
  kiosk: 'https://schema.org/ReturnAtKiosk',
};

export const RETURN_FEES: Record<ReturnFees, ReturnFeesEnumeration> = {
  free: 'https://schema.org/FreeReturn',
  customer_pays_shipping: 'https://schema.org/ReturnShippingFees',
  restocking_fee: 'https://schema.org/RestockingFees',
};

/** UN/CEFACT Common Codes, which schema.org's unitCode expects. */
export const UNIT_CODE: Record<string, string> = {
  g: 'GRM',
  kg: 'KGM',
  oz: 'ONZ',
  lb: 'LBR',
  mm: 'MMT',
  cm: 'CMT',
  m: 'MTR',
  in: 'INH',
  ft: 'FOT',
  ml: 'MLT',
  cl: 'CLT',
  l: 'LTR',
  sqm: 'MTK',
  ct: 'C62',
};

/** Option names that schema.org has a property for; others become additionalProperty values. */
export const OPTION_PROPERTY: Record<string, 'color' | 'size' | 'material' | 'pattern'> = {
  color: 'color',
  colour: 'color',
  size: 'size',
  material: 'material',
  pattern: 'pattern',
};
